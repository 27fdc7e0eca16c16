using System.Globalization;

namespace PLDistill.Distillation.Data.Npy;

/// <summary>
/// Parses the dictionary of a .npy header, a Python literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c> (padded with spaces, ended by a newline).
/// </summary>
/// <remarks>
/// Only the literal forms numpy writes are accepted: quoted strings without escapes, True/False, and tuples of
/// non-negative integers (an old Python 2 'L' suffix allowed). Each of the three keys must appear exactly once.
/// </remarks>
internal sealed class NpyHeaderText
{
    private readonly string text;
    private readonly string path;
    private int position;

    private NpyHeaderText(string text, string path)
    {
        this.text = text;
        this.path = path;
    }

    /// <summary>The descr string, fortran_order and shape of <paramref name="text"/>, read from <paramref name="path"/>.</summary>
    /// <exception cref="NpyFormatException">The text is not such a dictionary.</exception>
    public static (string Descr, bool FortranOrder, long[] Shape) Parse(string text, string path) =>
        new NpyHeaderText(text, path).Dictionary();

    private (string, bool, long[]) Dictionary()
    {
        string? descr = null;
        bool? fortranOrder = null;
        long[]? shape = null;
        Expect('{');
        while (!TryTake('}'))
        {
            string key = QuotedString();
            Expect(':');
            switch (key)
            {
                case "descr" when descr is null:
                    descr = Descr();
                    break;
                case "fortran_order" when fortranOrder is null:
                    fortranOrder = Boolean();
                    break;
                case "shape" when shape is null:
                    shape = Tuple();
                    break;
                case "descr" or "fortran_order" or "shape":
                    throw Fail($"key '{key}' appears twice");
                default:
                    throw Fail($"unexpected key '{key}'; a .npy header has 'descr', 'fortran_order' and 'shape'");
            }
            if (!TryTake(','))
            {
                Expect('}');
                break;
            }
        }
        SkipSpace();
        if (position != text.Length)
            throw Fail("text after the closing '}'");
        return (descr ?? throw Fail("no 'descr' key"), fortranOrder ?? throw Fail("no 'fortran_order' key"), shape ?? throw Fail("no 'shape' key"));
    }

    private string Descr()
    {
        SkipSpace();
        if (position < text.Length && text[position] == '[')
            throw new NpyFormatException(path, "unsupported dtype: a structured (record) dtype; expected '<f4', '<f2' or '<f8'");
        return QuotedString();
    }

    private string QuotedString()
    {
        SkipSpace();
        char quote = position < text.Length ? text[position] : '\0';
        if (quote is not ('\'' or '"'))
            throw Fail("expected a quoted string");
        int end = text.IndexOf(quote, position + 1);
        if (end < 0)
            throw Fail("unterminated string");
        string value = text[(position + 1)..end];
        position = end + 1;
        return value;
    }

    private bool Boolean()
    {
        SkipSpace();
        foreach (var (word, value) in new[] { ("True", true), ("False", false) })
        {
            if (string.CompareOrdinal(text, position, word, 0, word.Length) == 0)
            {
                position += word.Length;
                return value;
            }
        }
        throw Fail("expected True or False");
    }

    private long[] Tuple()
    {
        Expect('(');
        var sizes = new List<long>();
        while (!TryTake(')'))
        {
            int start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
                position++;
            if (position == start || !long.TryParse(text.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
                throw Fail("expected a non-negative integer in the shape");
            sizes.Add(size);
            if (position < text.Length && text[position] is 'L' or 'l')
                position++;
            if (!TryTake(','))
            {
                Expect(')');
                break;
            }
        }
        return [.. sizes];
    }

    private void Expect(char c)
    {
        if (!TryTake(c))
            throw Fail($"expected '{c}'");
    }

    private bool TryTake(char c)
    {
        SkipSpace();
        if (position >= text.Length || text[position] != c)
            return false;
        position++;
        return true;
    }

    private void SkipSpace()
    {
        while (position < text.Length && text[position] is ' ' or '\t' or '\n' or '\r')
            position++;
    }

    private NpyFormatException Fail(string problem) =>
        new(path, $"malformed header ({problem} at character {position}): {text.TrimEnd()}");
}
