using System.Security.Cryptography;
using System.Text;

namespace PLDistill.Server.Security;

/// <summary>API keys as the server stores them: lower-case hex SHA-256 of the key's UTF-8 bytes.</summary>
public static class ApiKeys
{
    /// <summary>The hash a tenants file lists for <paramref name="key"/>.</summary>
    public static string Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>A fresh random key (32 bytes, URL-safe base64) for <c>pld serve hash-key --new</c>.</summary>
    public static string NewKey() =>
        "pld_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
