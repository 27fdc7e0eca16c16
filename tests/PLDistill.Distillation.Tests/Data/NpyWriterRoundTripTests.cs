using PLDistill.Distillation.Data.Npy;

namespace PLDistill.Distillation.Tests.Data;

public sealed class NpyWriterRoundTripTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"pld-npy-{Guid.NewGuid():N}.npy");

    public void Dispose() => File.Delete(path);

    [Theory]
    [InlineData(new long[] { 2, 3 })]
    [InlineData(new long[] { 5 })]
    [InlineData(new long[] { 2, 1, 2, 2 })]
    public void Writes_float32_files_the_reader_reads_back_exactly_with_a_64_byte_aligned_header(long[] shape)
    {
        float[] values = [.. Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => i * 0.37f - 1.5f)];

        PLDistill.Distillation.Data.Npy.NpyWriter.WriteFloat32(path, values, shape);
        var header = NpyReader.ReadHeader(path);
        var array = NpyReader.Read(path);

        Assert.Equal(NpyElementType.Float32, header.ElementType);
        Assert.Equal(0, header.DataOffset % 64);
        Assert.Equal(shape, array.Shape);
        Assert.Equal(values, array.Values);
        Assert.Equal(1, File.ReadAllBytes(path)[6]);   // format version 1.0
    }

    [Fact]
    public void Refuses_a_shape_that_does_not_hold_the_values()
    {
        Assert.Throws<ArgumentException>(() => PLDistill.Distillation.Data.Npy.NpyWriter.WriteFloat32(path, new float[5], [2, 3]));
    }
}
