namespace PLDistill.Distillation.Data.Npy;

/// <summary>The element types <see cref="NpyReader"/> reads, all little-endian; every one is read as float32.</summary>
public enum NpyElementType
{
    /// <summary>'&lt;f2', IEEE half precision (2 bytes).</summary>
    Float16,

    /// <summary>'&lt;f4', IEEE single precision (4 bytes).</summary>
    Float32,

    /// <summary>'&lt;f8', IEEE double precision (8 bytes), rounded to float32 on reading.</summary>
    Float64,
}
