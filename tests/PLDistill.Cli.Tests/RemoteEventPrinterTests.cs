using Google.Protobuf.WellKnownTypes;
using PLDistill.Api.V1;
using PLDistill.Cli.Commands;

namespace PLDistill.Cli.Tests;

public sealed class RemoteEventPrinterTests
{
    [Fact]
    public void Unset_times_print_as_a_dash_never_as_a_crash()
    {
        // A summary the server sends for a stream that failed unexpectedly may carry no durations.
        using var output = new StringWriter();
        var printer = new RemoteEventPrinter(output, json: false, showStream: true, new SendClock());

        printer.Print(new EmotionEvent { Stream = "tenants/acme/streams/a", StreamId = "a", Started = new StreamStarted { Settings = new StreamSettings() } });
        printer.Print(new EmotionEvent { Stream = "tenants/acme/streams/a", StreamId = "a", Estimate = new Estimate { Label = "calm" } });
        printer.Print(new EmotionEvent { Stream = "tenants/acme/streams/a", StreamId = "a", Summary = new StreamSummary { EndReason = EndReason.Failed, Detail = "the stream failed on the server" } });

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("hop - ms, window - s", lines[0], StringComparison.Ordinal);
        Assert.Contains("calm", lines[2], StringComparison.Ordinal);
        Assert.Contains("ended (Failed: the stream failed on the server): 0 estimates over - s of audio", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Set_times_print_as_numbers()
    {
        using var output = new StringWriter();
        var printer = new RemoteEventPrinter(output, json: false, showStream: false);

        printer.Print(new EmotionEvent
        {
            Summary = new StreamSummary { EndReason = EndReason.Completed, Estimates = 12, AudioReceived = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) },
        });

        Assert.Contains("12 estimates over 3 s of audio", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_latency_clock_knows_a_chunk_noted_before_it_was_written()
    {
        var clock = new SendClock();
        clock.Sending(0.1);
        clock.Sending(0.2);

        Assert.NotNull(clock.LatencyMilliseconds(TimeSpan.FromSeconds(0.2)));
        Assert.Null(clock.LatencyMilliseconds(TimeSpan.FromSeconds(0.3)));   // not sent yet
    }
}
