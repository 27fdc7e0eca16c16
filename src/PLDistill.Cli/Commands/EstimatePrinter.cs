using System.Globalization;
using System.Text.Json;
using PLDistill.Streaming.Engine;
using PLDistill.Streaming.Observables;

namespace PLDistill.Cli.Commands;

/// <summary>Writes estimates as a rolling table for people or as JSON lines for programs.</summary>
internal sealed class EstimatePrinter(TextWriter output, bool json)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly Lock gate = new();
    private string? tableStream;   // the stream whose table is being printed; a new stream starts a new table

    public void Estimate(EmotionEstimate e)
    {
        lock (gate)
        {
            if (json)
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    type = "estimate",
                    stream = e.StreamId,
                    sequence = e.Sequence,
                    audio_start_s = Math.Round(e.AudioStart.TotalSeconds, 3),
                    audio_end_s = Math.Round(e.AudioEnd.TotalSeconds, 3),
                    label = e.Label,
                    confidence = Finite(e.Confidence),
                    probabilities = Rounded(e.Labels, e.Probabilities),
                    smoothed = Rounded(e.Labels, e.SmoothedProbabilities),
                    model_ms = Math.Round(e.ModelLatency.TotalMilliseconds, 2),
                    end_to_end_ms = Math.Round(e.EndToEndLatency.TotalMilliseconds, 2),
                    coalesced_hops = e.CoalescedHops,
                    dropped_hops = e.DroppedHops,
                }, JsonOptions));
                return;
            }
            if (tableStream != e.StreamId)
            {
                output.WriteLine($"{"t (s)",7}  {"label",-10} {"conf",5}  {"top-3 (this hop)",-42} {"model ms",8} {"e2e ms",7}");
                tableStream = e.StreamId;
            }
            var top = e.Labels.Zip(e.Probabilities).OrderByDescending(p => p.Second).Take(3)
                .Select(p => $"{p.First} {p.Second.ToString("P0", CultureInfo.InvariantCulture)}");
            string flags = e.CoalescedHops > 0 ? $"  (+{e.CoalescedHops} hops merged)" : "";
            output.WriteLine($"{e.AudioEnd.TotalSeconds,7:F2}  {e.Label,-10} {e.Confidence.ToString("P0", CultureInfo.InvariantCulture),5}  " +
                             $"{string.Join(", ", top),-42} {e.ModelLatency.TotalMilliseconds,8:F1} {e.EndToEndLatency.TotalMilliseconds,7:F1}{flags}");
        }
    }

    public void Change(LabelChange change)
    {
        lock (gate)
            output.WriteLine(json
                ? JsonSerializer.Serialize(new { type = "label_change", stream = change.StreamId, from = change.From, to = change.To,
                                                 at_s = Math.Round(change.At.TotalSeconds, 3), confidence = Finite(change.Confidence) }, JsonOptions)
                : $"{change.At.TotalSeconds,7:F2}  ── now {change.To} (was {change.From ?? "nothing"}) ──");
    }

    public void Alert(EmotionAlert alert)
    {
        lock (gate)
            output.WriteLine(json
                ? JsonSerializer.Serialize(new { type = "alert", stream = alert.StreamId, label = alert.Label, threshold = alert.Threshold,
                                                 since_s = Math.Round(alert.Since.TotalSeconds, 3), at_s = Math.Round(alert.At.TotalSeconds, 3),
                                                 mean_probability = Finite(alert.MeanProbability) }, JsonOptions)
                : $"{alert.At.TotalSeconds,7:F2}  !! {alert.Label} above {alert.Threshold:P0} since {alert.Since.TotalSeconds:F2} s (mean {alert.MeanProbability:P0})");
    }

    private static Dictionary<string, double?> Rounded(IReadOnlyList<string> labels, IReadOnlyList<float> values) =>
        labels.Zip(values).ToDictionary(p => p.First, p => Finite(p.Second));

    // JSON has no NaN or infinity (System.Text.Json refuses to write them): a model that produced one shows null.
    internal static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 4) : null;
}
