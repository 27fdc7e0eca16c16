using System.Text.Json;
using PLDistill.Cli.Commands;
using PLDistill.Streaming.Engine;

namespace PLDistill.Cli.Tests;

public sealed class EstimatePrinterTests
{
    private static EmotionEstimate Estimate(float confidence, float[] probabilities) => new()
    {
        StreamId = "mic:default",
        Sequence = 7,
        AudioStart = TimeSpan.Zero,
        AudioEnd = TimeSpan.FromSeconds(2),
        Label = "angry",
        Labels = ["neutral", "angry"],
        Probabilities = probabilities,
        SmoothedProbabilities = probabilities,
        Confidence = confidence,
        ModelLatency = TimeSpan.FromMilliseconds(3),
        EndToEndLatency = TimeSpan.FromMilliseconds(5),
    };

    [Fact]
    public void Json_lines_stay_json_when_the_model_produced_a_nan()
    {
        using var output = new StringWriter();
        var printer = new EstimatePrinter(output, json: true);

        printer.Estimate(Estimate(float.NaN, [float.NaN, float.PositiveInfinity]));
        printer.Estimate(Estimate(0.75f, [0.25f, 0.75f]));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var broken = JsonDocument.Parse(lines[0]);
        using var fine = JsonDocument.Parse(lines[1]);
        Assert.Equal(JsonValueKind.Null, broken.RootElement.GetProperty("confidence").ValueKind);
        Assert.Equal(JsonValueKind.Null, broken.RootElement.GetProperty("probabilities").GetProperty("angry").ValueKind);
        Assert.Equal(0.75, fine.RootElement.GetProperty("confidence").GetDouble());
        Assert.Equal(7, fine.RootElement.GetProperty("sequence").GetInt64());
    }
}
