using System.Text.RegularExpressions;
using PLDistill.Server.Errors;
using PLDistill.Server.Security;

namespace PLDistill.Server.Calls;

/// <summary>Stream ids and full names ("tenants/TENANT/streams/ID"), and the check that a caller names only its own streams.</summary>
public static partial class StreamNames
{
    private const string TenantsPrefix = "tenants/";
    private const string StreamsSegment = "/streams/";

    /// <summary>The full name of <paramref name="streamId"/> of <paramref name="tenant"/>.</summary>
    public static string Full(string tenant, string streamId) => $"{TenantsPrefix}{tenant}{StreamsSegment}{streamId}";

    private static long calls;

    /// <summary>
    /// The engine's id for one call's stream, "TENANT/ID#N": the tenant's namespace keeps two tenants' "call-1" apart, and
    /// N, new for every call, keeps a retry of "call-1" apart from the call before it, which the hub has let go but the
    /// engine may still be ending (a call that failed or timed out frees its id at once; the engine drops the stream
    /// on its next pass). The hub alone decides whether an id is taken.
    /// </summary>
    public static string EngineId(string tenant, string streamId) => $"{tenant}/{streamId}#{Interlocked.Increment(ref calls)}";

    /// <summary>
    /// The id <paramref name="reference"/> names within <paramref name="tenant"/>'s streams: a plain id, or a full name of
    /// one of the tenant's own streams.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT for a malformed id, PERMISSION_DENIED for another tenant's stream.</exception>
    public static string Resolve(string? reference, Tenant tenant, string field)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (string.IsNullOrEmpty(reference))
            throw ServiceErrors.InvalidArgument($"{field} is empty: give a stream id such as 'call-1'");
        string id = reference;
        if (reference.StartsWith(TenantsPrefix, StringComparison.Ordinal))
        {
            int streams = reference.IndexOf(StreamsSegment, TenantsPrefix.Length, StringComparison.Ordinal);
            if (streams < 0)
                throw ServiceErrors.InvalidArgument($"{field} '{Printable(reference)}': a full name is 'tenants/<tenant>/streams/<id>'");
            string owner = reference[TenantsPrefix.Length..streams];
            if (owner != tenant.Name)
                throw ServiceErrors.PermissionDenied(
                    $"{field} '{Printable(reference)}' names a stream of another tenant; this API key belongs to tenant '{tenant.Name}', which may use only its own streams");
            id = reference[(streams + StreamsSegment.Length)..];
        }
        if (!IdPattern().IsMatch(id))
            throw ServiceErrors.InvalidArgument(
                $"{field} '{Printable(id)}': a stream id is 1..128 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-', starting with a letter or digit");
        return id;
    }

    // Echo at most a short, printable prefix of what the client sent.
    private static string Printable(string text)
    {
        var clean = new string(text.Take(140).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 140 ? clean + "..." : clean;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\z")]   // \z: $ would also match before a final newline
    private static partial Regex IdPattern();
}
