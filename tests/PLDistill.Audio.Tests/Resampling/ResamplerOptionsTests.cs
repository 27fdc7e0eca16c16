using PLDistill.Audio.Resampling;

namespace PLDistill.Audio.Tests.Resampling;

public sealed class ResamplerOptionsTests
{
    [Fact]
    public void Defaults_are_a_90_percent_passband_and_a_100_dB_stopband()
    {
        var options = new ResamplerOptions(48_000, 16_000);

        Assert.Equal(0.9, options.PassbandFraction);
        Assert.Equal(100, options.StopbandAttenuationDb);
        Assert.Equal(8_000, options.StopbandEdgeHz);
        Assert.Equal(7_200, options.PassbandEdgeHz, 9);
        Assert.False(options.IsIdentity);
    }

    [Fact]
    public void The_stopband_starts_at_the_lower_Nyquist_frequency_either_way()
    {
        Assert.Equal(4_000, new ResamplerOptions(8_000, 16_000).StopbandEdgeHz);
        Assert.Equal(4_000, new ResamplerOptions(16_000, 8_000).StopbandEdgeHz);
        Assert.True(new ResamplerOptions(22_050, 22_050).IsIdentity);
    }

    [Theory]
    [InlineData(7_999, 16_000, 0.9, 100, "inputRate")]
    [InlineData(192_001, 16_000, 0.9, 100, "inputRate")]
    [InlineData(0, 16_000, 0.9, 100, "inputRate")]
    [InlineData(48_000, 7_999, 0.9, 100, "outputRate")]
    [InlineData(48_000, 192_001, 0.9, 100, "outputRate")]
    [InlineData(48_000, -16_000, 0.9, 100, "outputRate")]
    [InlineData(48_000, 16_000, 0.49, 100, "passbandFraction")]
    [InlineData(48_000, 16_000, 0.99, 100, "passbandFraction")]
    [InlineData(48_000, 16_000, double.NaN, 100, "passbandFraction")]
    [InlineData(48_000, 16_000, 0.9, 39, "stopbandAttenuationDb")]
    [InlineData(48_000, 16_000, 0.9, 121, "stopbandAttenuationDb")]
    [InlineData(48_000, 16_000, 0.9, double.NaN, "stopbandAttenuationDb")]
    [InlineData(48_000, 16_000, 0.9, double.PositiveInfinity, "stopbandAttenuationDb")]
    public void Invalid_values_throw_naming_the_parameter(int input, int output, double passband, double stopband, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ResamplerOptions(input, output, passband, stopband));
        Assert.Equal(parameter, error.ParamName);
    }

    [Theory]
    [InlineData(8_000, 192_000, 0.5, 40)]
    [InlineData(192_000, 8_000, 0.98, 120)]
    public void Limits_are_inclusive(int input, int output, double passband, double stopband)
    {
        var options = new ResamplerOptions(input, output, passband, stopband);
        Assert.Equal(input, options.InputRate);
        Assert.Equal(output, options.OutputRate);
    }

    [Theory]
    [InlineData(48_000, 16_000, 0, 0)]
    [InlineData(48_000, 16_000, 1, 1)]
    [InlineData(48_000, 16_000, 3, 1)]
    [InlineData(48_000, 16_000, 4, 2)]
    [InlineData(44_100, 16_000, 441, 160)]
    [InlineData(44_100, 16_000, 442, 161)]
    [InlineData(8_000, 16_000, 5, 10)]
    [InlineData(192_000, 16_000, 11_520_000, 960_000)]
    public void OutputLengthFor_is_the_ceiling_of_length_times_the_rate_ratio(int input, int output, long length, long expected)
    {
        Assert.Equal(expected, new ResamplerOptions(input, output).OutputLengthFor(length));
    }
}
