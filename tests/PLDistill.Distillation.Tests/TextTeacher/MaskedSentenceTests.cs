using PLDistill.Distillation.TextTeacher;
using PLDistill.Models.Text;

namespace PLDistill.Distillation.Tests.TextTeacher;

public sealed class MaskedSentenceTests
{
    private const int Vocabulary = 50;

    [Fact]
    public void Chooses_about_the_asked_fraction_of_words_and_replaces_them_80_10_10()
    {
        var random = new Random(5);
        int[] ids = [WordTokenizer.ClsId, .. Enumerable.Range(10, 30), WordTokenizer.SepId];
        int chosen = 0, masked = 0, kept = 0, words = 0;
        for (int draw = 0; draw < 2000; draw++)
        {
            var sentence = MaskedSentence.Make(ids, Vocabulary, 0.15, random);
            words += 30;
            for (int i = 0; i < ids.Length; i++)
            {
                if (sentence.Targets[i] < 0)
                {
                    Assert.Equal(ids[i], sentence.Inputs[i]);
                    continue;
                }
                Assert.Equal(ids[i], sentence.Targets[i]);
                chosen++;
                masked += sentence.Inputs[i] == WordTokenizer.MaskId ? 1 : 0;
                kept += sentence.Inputs[i] == ids[i] ? 1 : 0;
            }
        }

        Assert.InRange((double)chosen / words, 0.14, 0.16);
        Assert.InRange((double)masked / chosen, 0.78, 0.82);
        Assert.InRange((double)kept / chosen, 0.085, 0.12);   // the 10% kept, plus random words that happen to be the same
    }

    [Fact]
    public void Never_chooses_special_or_unknown_tokens_and_always_chooses_a_word()
    {
        var random = new Random(9);
        int[] ids = [WordTokenizer.ClsId, WordTokenizer.UnknownId, 17, WordTokenizer.UnknownId, WordTokenizer.SepId];
        for (int draw = 0; draw < 200; draw++)
        {
            var sentence = MaskedSentence.Make(ids, Vocabulary, 0.15, random);
            Assert.Equal([-1, -1, 17, -1, -1], sentence.Targets);
        }
    }

    [Fact]
    public void Masks_every_chosen_word_for_evaluation()
    {
        var random = new Random(2);
        int[] ids = [WordTokenizer.ClsId, .. Enumerable.Range(10, 30), WordTokenizer.SepId];
        for (int draw = 0; draw < 200; draw++)
        {
            var sentence = MaskedSentence.Make(ids, Vocabulary, 0.3, random, allMasked: true);
            for (int i = 0; i < ids.Length; i++)
                Assert.Equal(sentence.Targets[i] >= 0 ? WordTokenizer.MaskId : ids[i], sentence.Inputs[i]);
        }
    }
}
