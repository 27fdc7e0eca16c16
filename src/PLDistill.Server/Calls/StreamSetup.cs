using PLDistill.Api.V1;
using PLDistill.Audio.Formats;
using PLDistill.Server.Engines;
using PLDistill.Server.Security;

namespace PLDistill.Server.Calls;

/// <summary>A validated stream config: whose, which id, what audio, which engine.</summary>
/// <param name="Tenant">The owner.</param>
/// <param name="StreamId">The id within the tenant.</param>
/// <param name="Format">The audio's layout as sent.</param>
/// <param name="Encoding">The audio's encoding as the API names it.</param>
/// <param name="Engine">Hop, window and label set.</param>
/// <param name="LabelSet">The label set as the API names it.</param>
public sealed record StreamSetup(Tenant Tenant, string StreamId, PcmFormat Format, AudioEncoding Encoding, EngineKey Engine, LabelSet LabelSet)
{
    /// <summary>"tenants/TENANT/streams/ID".</summary>
    public string Name => StreamNames.Full(Tenant.Name, StreamId);
}
