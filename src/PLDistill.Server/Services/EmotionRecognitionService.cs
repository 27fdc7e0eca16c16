using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PLDistill.Api.V1;
using PLDistill.Server.Calls;
using PLDistill.Server.Engines;
using PLDistill.Server.Hub;
using PLDistill.Server.Security;

namespace PLDistill.Server.Services;

/// <summary>The pldistill.v1.EmotionRecognition service: maps calls onto <see cref="RecognitionCalls"/>, <see cref="SubscriptionCalls"/> and the hub.</summary>
public sealed class EmotionRecognitionService(RecognitionCalls recognition, SubscriptionCalls subscriptions, StreamHub hub, IRecognizerFactory model)
    : EmotionRecognition.EmotionRecognitionBase
{
    /// <inheritdoc />
    public override Task Recognize(IAsyncStreamReader<AudioRequest> requestStream, IServerStreamWriter<EmotionEvent> responseStream,
        ServerCallContext context) => recognition.RunAsync(requestStream, responseStream, context);

    /// <inheritdoc />
    public override Task Subscribe(SubscribeRequest request, IServerStreamWriter<EmotionEvent> responseStream, ServerCallContext context) =>
        subscriptions.RunAsync(request, responseStream, context);

    /// <inheritdoc />
    public override Task<ListStreamsResponse> ListStreams(ListStreamsRequest request, ServerCallContext context)
    {
        var response = new ListStreamsResponse();
        foreach (var stream in hub.List(CallTenant.Get(context).Name))
        {
            response.Streams.Add(new StreamInfo
            {
                Name = stream.Name,
                StreamId = stream.Id,
                Settings = EventMapper.Settings(stream, model.SampleRate),
                StartTime = Timestamp.FromDateTimeOffset(stream.StartTime),
                AudioReceived = Duration.FromTimeSpan(stream.AudioReceived),
                Estimates = stream.Estimates,
            });
        }
        return Task.FromResult(response);
    }
}
