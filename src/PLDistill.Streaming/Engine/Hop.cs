namespace PLDistill.Streaming.Engine;

/// <summary>One hop of a stream's audio (mono, model rate) waiting for the model.</summary>
/// <param name="Samples">The hop's samples; the last hop of a stream may be shorter.</param>
/// <param name="EndSample">Stream position just after the hop's last sample (counts dropped audio too).</param>
/// <param name="ArrivalTimestamp">When its last sample arrived (<see cref="TimeProvider.GetTimestamp"/>).</param>
internal sealed record Hop(float[] Samples, long EndSample, long ArrivalTimestamp);
