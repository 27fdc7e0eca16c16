using static TorchSharp.torch;

namespace PLDistill.Distillation.Tests.Losses.Pad;

/// <summary>Small hand-made tensors for the PAD tests.</summary>
internal static class PadTensors
{
    /// <summary>Rows of feature vectors as one clip, (1, T, D).</summary>
    public static Tensor Clip(params float[][] rows) => Batch(rows);

    /// <summary>Clips of equal shape as a batch, (B, T, D).</summary>
    public static Tensor Batch(params float[][][] clips) =>
        tensor(clips.SelectMany(c => c.SelectMany(r => r)).ToArray()).view(clips.Length, clips[0].Length, clips[0][0].Length);

    /// <summary>(1, T, D) from rows (one clip).</summary>
    private static Tensor Batch(float[][] rows) => Batch([rows]);

    /// <summary>Lengths (B) as int64.</summary>
    public static Tensor Lengths(params long[] lengths) => tensor(lengths);

    /// <summary>A row vector (1, N) (a prior or a set of anchors).</summary>
    public static Tensor Row(params float[] values) => tensor(values).unsqueeze(0);

    /// <summary>The values of a tensor, flattened.</summary>
    public static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    /// <summary>The values of an int64 tensor, flattened.</summary>
    public static long[] Indices(Tensor t) => t.contiguous().data<long>().ToArray();

    /// <summary>One-hot vector e_i of width d.</summary>
    public static float[] Unit(int i, int d)
    {
        var v = new float[d];
        v[i] = 1;
        return v;
    }
}
