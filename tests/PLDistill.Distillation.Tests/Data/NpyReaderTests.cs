using System.Text;
using PLDistill.Distillation.Data.Npy;
using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Data;

public sealed class NpyReaderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("pld-npy-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Save(byte[] bytes, string name = "a.npy")
    {
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static readonly double[] SixValues = [1.5, -2.25, 0, 3e-5, 1024, -0.125];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_every_header_version_to_the_same_values_and_shape(int version)
    {
        string path = Save(NpyWriter.Bytes(SixValues, [2, 3], "<f4", version));

        var array = NpyReader.Read(path);

        Assert.Equal([2L, 3L], array.Shape);
        Assert.Equal(SixValues.Select(v => (float)v), array.Values);
    }

    [Fact]
    public void Float16_values_arrive_exactly_as_float32()
    {
        double[] halves = [0.5, -2, 65504, 6.103515625e-05, 0.333251953125, -0.0];
        string path = Save(NpyWriter.Bytes(halves, [6], "<f2"));

        var header = NpyReader.ReadHeader(path);
        var array = NpyReader.Read(path);

        Assert.Equal(NpyElementType.Float16, header.ElementType);
        Assert.Equal(halves.Select(v => (float)v), array.Values);
    }

    [Fact]
    public void Float64_values_are_rounded_to_the_nearest_float32()
    {
        double[] doubles = [0.1, 1.0 / 3, -123456.789, 1e-40];
        string path = Save(NpyWriter.Bytes(doubles, [2, 2], "<f8"));

        var array = NpyReader.Read(path);

        Assert.Equal(NpyElementType.Float64, NpyReader.ReadHeader(path).ElementType);
        Assert.Equal(doubles.Select(v => (float)v), array.Values);
        Assert.NotEqual(0.1, (double)array.Values[0]);                                          // really rounded, not kept
    }

    [Theory]
    [InlineData(new long[] { 5 })]
    [InlineData(new long[] { 2, 3, 2, 2 })]
    [InlineData(new long[0])]
    [InlineData(new long[] { 0, 3 })]
    public void Shapes_of_any_rank_round_trip_and_become_tensors_of_that_shape(long[] shape)
    {
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        double[] values = [.. Enumerable.Range(0, count).Select(i => i * 0.5 - 3)];
        string path = Save(NpyWriter.Bytes(values, shape));

        var array = NpyReader.Read(path);
        using var tensor = NpyReader.ReadTensor(path);

        Assert.Equal(shape, array.Shape);
        Assert.Equal(values.Select(v => (float)v), array.Values);
        Assert.Equal(shape, tensor.shape);
        Assert.Equal(ScalarType.Float32, tensor.dtype);
        Assert.Equal(count, tensor.numel());
        if (count > 0)                                                                             // TorchSharp's accessor cannot copy an empty tensor
            Assert.Equal(array.Values, tensor.data<float>().ToArray());
    }

    [Theory]
    [InlineData("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}")]                 // any key order, no trailing comma
    [InlineData("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 3L)}")]       // double quotes, Python 2 longs
    [InlineData("{'descr':'<f4','fortran_order':False,'shape':(2,3,),}")]
    public void Header_dictionaries_numpy_has_written_over_the_years_are_read(string dictionary)
    {
        string path = Save(NpyWriter.WithHeader(dictionary, NpyWriter.Data(SixValues, "<f4")));

        var array = NpyReader.Read(path);

        Assert.Equal([2L, 3L], array.Shape);
        Assert.Equal((float)SixValues[5], array.Values[5]);
    }

    [Fact]
    public void A_range_reads_only_the_elements_asked_for()
    {
        double[] values = [.. Enumerable.Range(0, 24).Select(i => (double)i)];
        string path = Save(NpyWriter.Bytes(values, [2, 3, 4], "<f2"));
        var header = NpyReader.ReadHeader(path);
        var middle = new float[5];

        NpyReader.ReadRange(header, 10, middle);

        Assert.Equal([10f, 11f, 12f, 13f, 14f], middle);
        Assert.Throws<ArgumentOutOfRangeException>(() => NpyReader.ReadRange(header, 20, new float[5]));
    }

    [Theory]
    [InlineData(">f4", "big-endian")]
    [InlineData(">f2", "big-endian")]
    [InlineData("<i4", "unsupported dtype '<i4'")]
    [InlineData("|u1", "unsupported dtype '|u1'")]
    [InlineData("<c8", "unsupported dtype '<c8'")]
    public void Other_dtypes_are_refused_naming_the_dtype(string descr, string expected)
    {
        string path = Save(NpyWriter.WithHeader(NpyWriter.Dictionary(descr, false, [2]), new byte[8]));

        var error = Assert.Throws<NpyFormatException>(() => NpyReader.Read(path));

        Assert.Equal(path, error.Path);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Damaged => new()
    {
        { "fortran", "Fortran-order" },
        { "structured", "structured" },
        { "short data", "truncated data" },
        { "long data", "4 bytes after the data" },
        { "short header", "truncated header" },
        { "not npy", "not a .npy file" },
        { "version 4", "version 4.0" },
        { "no shape", "no 'shape' key" },
        { "extra key", "unexpected key 'order'" },
        { "bad shape", "expected a non-negative integer" },
        { "repeated key", "'descr' appears twice" },
        { "huge header", "claims" },
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void Damaged_files_are_refused_naming_the_file_and_problem(string damage, string expected)
    {
        byte[] good = NpyWriter.Bytes(SixValues, [2, 3]);
        byte[] data = NpyWriter.Data(SixValues, "<f4");
        byte[] bytes = damage switch
        {
            "fortran" => NpyWriter.Bytes(SixValues, [2, 3], fortranOrder: true),
            "structured" => NpyWriter.WithHeader("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (6,), }", data),
            "short data" => good[..^1],
            "long data" => [.. good, 0, 0, 0, 0],
            "short header" => good[..40],
            "not npy" => Encoding.ASCII.GetBytes("x,y\n1,2\n"),
            "version 4" => [.. good[..6], 4, .. good[7..]],
            "no shape" => NpyWriter.WithHeader("{'descr': '<f4', 'fortran_order': False, }", data),
            "extra key" => NpyWriter.WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'order': 'C'}", data),
            "bad shape" => NpyWriter.WithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", data),
            "repeated key" => NpyWriter.WithHeader("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", data),
            _ => [.. good[..8], 0xFF, 0xFF, 0xFF, 0x7F, .. good[12..]],                       // a version-1 file read as claiming 2 GB
        };
        if (damage == "huge header")
            bytes[6] = 2;
        string path = Save(bytes);

        var error = Assert.Throws<NpyFormatException>(() => NpyReader.ReadHeader(path));

        Assert.Equal(path, error.Path);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_cut_short_after_its_header_was_read_is_refused_when_the_data_is_read()
    {
        string path = Save(NpyWriter.Bytes(SixValues, [2, 3]));
        var header = NpyReader.ReadHeader(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^8]);

        var error = Assert.Throws<NpyFormatException>(() => NpyReader.ReadRange(header, 0, new float[6]));

        Assert.Contains("truncated data", error.Problem, StringComparison.Ordinal);
    }
}
