using PLDistill.Distillation.TextTeacher;

namespace PLDistill.Distillation.Tests.TextTeacher;

public sealed class EnglishSentencesTests
{
    private const string Dictionary = """
        00-database-short
             A test dictionary

        ABSOLUTE, adj.  Independent, irresponsible.  An absolute monarchy is
        one in which the sovereign does as he pleases.  Not many [Lat. absolutus] are
        left -- most were replaced.

        ABSTAINER, n.  A weak person who yields to temptation.
        Short one.  A weak person who yields to temptation.
        """;

    [Fact]
    public void Splits_paragraphs_into_sentences_without_headwords_etymologies_or_duplicates()
    {
        var sentences = EnglishSentences.Split(Dictionary);

        Assert.Equal([                                  // "Independent, irresponsible." and "Short one." are too short
            "An absolute monarchy is one in which the sovereign does as he pleases.",
            "Not many are left, most were replaced.",
            "A weak person who yields to temptation.",
        ], sentences);
    }

    [Fact]
    public void Reads_fortune_files_without_separators_or_attributions()
    {
        const string fortunes = "A banker is a fellow who lends you his umbrella.\n\t\t-- Mark Twain\n%\nA classic is something that everyone wants to have read.\n%\n";

        Assert.Equal(["A banker is a fellow who lends you his umbrella.", "A classic is something that everyone wants to have read."],
                     EnglishSentences.Split(fortunes));
    }

    [Fact]
    public void Removes_sentences_that_contain_or_are_contained_in_an_excluded_one_ignoring_case_and_punctuation()
    {
        string[] sentences =
        [
            "An absolute monarchy is one in which the sovereign does as he pleases.",   // contains the excluded one
            "The sovereign does as he pleases.",                                         // equal up to case
            "He pleases the sovereign.",                                                 // shares words, not the sentence
            "The sovereign does",                                                        // contained in the excluded one
        ];

        var kept = EnglishSentences.Excluding(sentences, ["the sovereign -- does as he pleases!"], out int removed);

        Assert.Equal(["He pleases the sovereign."], kept);
        Assert.Equal(3, removed);
    }

    [Fact]
    public void Resolves_a_missing_file_to_a_clear_error()
    {
        var error = Assert.Throws<FileNotFoundException>(() => EnglishSentences.ResolveSource("/nonexistent/corpus.txt"));
        Assert.Contains("corpus text not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_gzip_compressed_text()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pld-sentences-{Guid.NewGuid():N}.txt.gz");
        try
        {
            using (var file = File.Create(path))
            using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
                gzip.Write("Some words in a file."u8);
            Assert.Equal("Some words in a file.", EnglishSentences.ReadText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
