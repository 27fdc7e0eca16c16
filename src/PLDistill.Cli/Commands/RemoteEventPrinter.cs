using System.Globalization;
using Google.Protobuf;
using PLDistill.Api.V1;

namespace PLDistill.Cli.Commands;

/// <summary>
/// Writes the events of pldistill.v1 calls as a table for people or as proto3 JSON lines for programs. With a
/// <see cref="SendClock"/> (the caller's own stream) the table shows the end-to-end latency measured here; without one only
/// the server's part.
/// </summary>
internal sealed class RemoteEventPrinter(TextWriter output, bool json, bool showStream, SendClock? clock = null)
{
    private readonly Dictionary<string, IReadOnlyList<string>> labels = [];
    private bool headerWritten;

    public void Print(EmotionEvent item)
    {
        if (json)
        {
            output.WriteLine(JsonFormatter.Default.Format(item));
            return;
        }
        string who = showStream ? $"{item.StreamId,-20} " : "";
        switch (item.EventCase)
        {
            case EmotionEvent.EventOneofCase.Started:
                var s = item.Started.Settings;
                labels[item.Stream] = s.Labels;
                output.WriteLine($"{who}started: {s.SampleRateHz} Hz x{s.Channels} {s.Encoding}, hop {Milliseconds(s.Hop, "0")} ms, " +
                                 $"window {Seconds(s.Window, "0.##")} s, classes {string.Join(" ", s.Labels)}");
                break;
            case EmotionEvent.EventOneofCase.Estimate:
                var e = item.Estimate;
                if (!headerWritten)
                {
                    output.WriteLine($"{(showStream ? $"{"stream",-20} " : "")}{"t (s)",7}  {"label",-10} {"conf",5}  {"top-3 (this hop)",-42} {"server ms",9}" +
                                     (clock is null ? "" : $" {"e2e ms",8}"));
                    headerWritten = true;
                }
                var names = labels.GetValueOrDefault(item.Stream) ?? [];
                var top = names.Zip(e.Probabilities).OrderByDescending(p => p.Second).Take(3)
                    .Select(p => $"{p.First} {p.Second.ToString("P0", CultureInfo.InvariantCulture)}");
                string endToEnd = e.AudioEnd is not null && clock?.LatencyMilliseconds(e.AudioEnd.ToTimeSpan()) is { } ms ? $" {ms,8:F1}" : clock is null ? "" : $" {"-",8}";
                string flags = e.CoalescedHops > 0 ? $"  (+{e.CoalescedHops} hops merged)" : "";
                output.WriteLine($"{who}{Seconds(e.AudioEnd, "F2"),7}  {e.Label,-10} {e.Confidence.ToString("P0", CultureInfo.InvariantCulture),5}  " +
                                 $"{string.Join(", ", top),-42} {Milliseconds(e.ServerLatency, "F1"),9}{endToEnd}{flags}");
                break;
            case EmotionEvent.EventOneofCase.Summary:
                var m = item.Summary;
                output.WriteLine($"{who}ended ({m.EndReason}{(m.Detail.Length > 0 ? $": {m.Detail}" : "")}): {m.Estimates} estimates over " +
                                 $"{Seconds(m.AudioReceived, "0.##")} s of audio; dropped {m.DroppedHops}, coalesced {m.CoalescedHops} hops; " +
                                 $"dominant {(m.DominantLabel.Length > 0 ? m.DominantLabel : "-")}");
                labels.Remove(item.Stream);
                break;
        }
    }

    // A Duration the sender left unset (a failed stream's summary may lack some) prints as "-", never as a crash.
    internal static string Seconds(Google.Protobuf.WellKnownTypes.Duration? duration, string format) =>
        duration is null ? "-" : duration.ToTimeSpan().TotalSeconds.ToString(format, CultureInfo.InvariantCulture);

    internal static string Milliseconds(Google.Protobuf.WellKnownTypes.Duration? duration, string format) =>
        duration is null ? "-" : duration.ToTimeSpan().TotalMilliseconds.ToString(format, CultureInfo.InvariantCulture);
}
