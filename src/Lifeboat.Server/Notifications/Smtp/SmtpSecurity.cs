namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>How the connection to the relay is protected.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text (port 25 inside a site): no password is ever sent.</summary>
    None,

    /// <summary>Plain text upgraded with STARTTLS before anything else is sent (submission, port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (RFC 8314 implicit TLS, port 465).</summary>
    Tls,
}
