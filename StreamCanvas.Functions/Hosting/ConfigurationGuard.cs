using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using StreamCanvas.Activities.Notices;

namespace StreamCanvas.Hosting;

/// <summary>Thrown at startup when a setting the app cannot safely run with is missing or published; Program exits 2 with its message.</summary>
public sealed class UnsafeConfigurationException(string message) : Exception(message);

/// <summary>
/// Outside Development, refuses to start without the secrets approvals and operators depend on, or with a value
/// published in this repository (its sample and Development files), which anyone could use to sign approval
/// links or call the operator routes.
/// </summary>
public static class ConfigurationGuard
{
    public const string SigningKey = ApprovalOptions.Section + ":" + nameof(ApprovalOptions.SigningKey);

    /// <summary>Every key value the repository publishes (appsettings.Development.json, local.settings.sample.json).</summary>
    public static readonly IReadOnlySet<string> PublishedValues = new HashSet<string>(StringComparer.Ordinal)
    {
        "local-development-signing-key-not-for-production",
        "local-development-signing-key-change-me",
        "local-development-key",
        "local-operator-key-change-me",
    };

    /// <param name="operatorKeySetting">The operator key's setting when this host checks one (the standalone host); null under Functions, where function keys play that part.</param>
    public static void Check(IConfiguration configuration, IHostEnvironment environment, string? operatorKeySetting)
    {
        if (environment.IsDevelopment())
        {
            return;
        }

        Require(configuration, SigningKey, environment);
        if (operatorKeySetting is not null)
        {
            Require(configuration, operatorKeySetting, environment);
        }
    }

    static void Require(IConfiguration configuration, string setting, IHostEnvironment environment)
    {
        string env = setting.Replace(":", "__", StringComparison.Ordinal);
        string? value = configuration[setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new UnsafeConfigurationException($"{env} is not configured; the {environment.EnvironmentName} environment cannot start without it.");
        }

        if (PublishedValues.Contains(value.Trim()))
        {
            throw new UnsafeConfigurationException($"{env} is a value published in this repository's sample or Development settings; set a secret of your own for {environment.EnvironmentName}.");
        }
    }
}
