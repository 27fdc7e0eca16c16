using Grpc.Core;

namespace PLDistill.Server.Errors;

/// <summary>The statuses the service ends calls with; every message is meant for the client and names what to change.</summary>
internal static class ServiceErrors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));

    public static RpcException PermissionDenied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    public static RpcException ResourceExhausted(string message) => new(new Status(StatusCode.ResourceExhausted, message));

    public static RpcException DeadlineExceeded(string message) => new(new Status(StatusCode.DeadlineExceeded, message));

    public static RpcException Unavailable(string message) => new(new Status(StatusCode.Unavailable, message));

    public static RpcException Cancelled(string message) => new(new Status(StatusCode.Cancelled, message));

    public static RpcException Internal(string message) => new(new Status(StatusCode.Internal, message));
}
