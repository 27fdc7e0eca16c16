using System.Security.Cryptography;

namespace PLDistill.Server.Errors;

/// <summary>Short ids that tie an INTERNAL status a client sees to the server's log entry with the details.</summary>
internal static class Incident
{
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
