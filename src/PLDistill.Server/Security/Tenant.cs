namespace PLDistill.Server.Security;

/// <summary>An authenticated caller's tenant.</summary>
/// <param name="Name">The tenant's name (stream names carry it: <c>tenants/NAME/streams/ID</c>).</param>
/// <param name="MaxStreams">Streams the tenant may have open at once.</param>
public sealed record Tenant(string Name, int MaxStreams);
