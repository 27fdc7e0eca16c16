using PLDistill.Models.Text;

namespace PLDistill.Models.Tests.Text;

public sealed class WordTokenizerTests : IDisposable
{
    private static readonly string[] Corpus =
    [
        "The cat sat on the mat.",
        "The dog sat on the log!",
        "A cat, a dog; the end.",
    ];

    private readonly string folder = Directory.CreateTempSubdirectory("pld-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Splits_into_lower_cased_words_and_single_punctuation_marks()
    {
        Assert.Equal(["the", "cat's", "well-bred", ",", "isn't", "it", "?", "\"", "yes", "\""],
                     WordTokenizer.Split("The Cat\u2019s well-bred, isn't it? \"Yes\""));
    }

    [Fact]
    public void Keeps_words_at_or_above_the_frequency_cutoff_most_frequent_first_after_the_special_tokens()
    {
        var tokenizer = WordTokenizer.Build(Corpus, minFrequency: 2);

        Assert.Equal(WordTokenizer.SpecialTokens, tokenizer.Tokens.Take(5));
        Assert.Equal("the", tokenizer.Tokens[WordTokenizer.FirstWordId]);     // 5 times
        Assert.Contains("cat", tokenizer.Tokens);                            // 2 times
        Assert.DoesNotContain("mat", tokenizer.Tokens);                      // once
        Assert.DoesNotContain("log", tokenizer.Tokens);
        Assert.Equal(["the", ".", "a", "cat", "dog", "on", "sat"], tokenizer.Tokens.Skip(5));   // ties in ordinal order
    }

    [Fact]
    public void Encodes_between_cls_and_sep_with_unknown_words_as_unk_and_decodes_back()
    {
        var tokenizer = WordTokenizer.Build(Corpus, minFrequency: 2);

        int[] ids = tokenizer.Encode("The zebra sat.");

        Assert.Equal([WordTokenizer.ClsId, tokenizer.Id("the"), WordTokenizer.UnknownId, tokenizer.Id("sat"), tokenizer.Id("."), WordTokenizer.SepId], ids);
        Assert.Equal(["[CLS]", "the", "[UNK]", "sat", ".", "[SEP]"], tokenizer.Decode(ids));
        Assert.Equal(WordTokenizer.UnknownId, tokenizer.Id("zebra"));
    }

    [Fact]
    public void Truncates_long_text_but_keeps_sep_last()
    {
        var tokenizer = WordTokenizer.Build(Corpus, minFrequency: 1);

        int[] ids = tokenizer.Encode("the cat sat on the mat", maxLength: 4);

        Assert.Equal(["[CLS]", "the", "cat", "[SEP]"], tokenizer.Decode(ids));
    }

    [Fact]
    public void Round_trips_through_its_json_file()
    {
        var tokenizer = WordTokenizer.Build(Corpus, minFrequency: 1);
        string path = Path.Combine(folder, "tokenizer.json");

        tokenizer.Save(path);
        var loaded = WordTokenizer.Load(path);

        Assert.Equal(tokenizer.Tokens, loaded.Tokens);
        Assert.Equal(1, loaded.MinFrequency);
        Assert.Equal(tokenizer.Encode("A dog sat on a zebra."), loaded.Encode("A dog sat on a zebra."));
    }

    [Theory]
    [InlineData("not json", "bad JSON")]
    [InlineData("{\"format\": \"something-else\", \"version\": 1}", "not a tokenizer file")]
    [InlineData("{\"format\": \"pldistill-word-tokenizer\", \"version\": 2, \"min_frequency\": 1, \"tokens\": []}", "unsupported tokenizer version")]
    [InlineData("{\"format\": \"pldistill-word-tokenizer\", \"version\": 1, \"min_frequency\": 1, \"tokens\": [\"the\"]}", "must start with [PAD]")]
    [InlineData("{\"format\": \"pldistill-word-tokenizer\", \"version\": 1, \"min_frequency\": 1, \"tokens\": [\"[PAD]\", \"[CLS]\", \"[SEP]\", \"[MASK]\", \"[UNK]\", \"a\", \"a\"]}", "appears twice")]
    public void Refuses_a_bad_file_with_a_typed_error_naming_it(string content, string problem)
    {
        string path = Path.Combine(folder, "bad.json");
        File.WriteAllText(path, content);

        var error = Assert.Throws<TextModelFileException>(() => WordTokenizer.Load(path));

        Assert.Equal(path, error.Path);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_missing_file()
    {
        var error = Assert.Throws<TextModelFileException>(() => WordTokenizer.Load(Path.Combine(folder, "none.json")));
        Assert.Contains("no such tokenizer file", error.Message, StringComparison.Ordinal);
    }
}
