using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Tests.Resampling;

/// <summary>The shared resampler contract, run against <see cref="StreamingResampler"/>.</summary>
public sealed class StreamingResamplerContractTests : ResamplerContractTests
{
    protected override IResampler Create(ResamplerOptions options) => new StreamingResampler(options);
}
