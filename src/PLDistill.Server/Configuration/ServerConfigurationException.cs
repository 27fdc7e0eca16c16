namespace PLDistill.Server.Configuration;

/// <summary>A server setting is missing, unknown or out of range; the message names the file, the key and the problem.</summary>
public sealed class ServerConfigurationException : Exception
{
    /// <summary>A configuration error described by <paramref name="message"/>.</summary>
    public ServerConfigurationException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>Unused; present for serializers.</summary>
    public ServerConfigurationException() : base("bad server configuration")
    {
    }

    /// <summary>Unused; present for serializers.</summary>
    public ServerConfigurationException(string message) : base(message)
    {
    }
}
