using StreamCanvas.Activities.Models;
using StreamCanvas.Activities.Notices;
using StreamCanvas.Hosting;

namespace StreamCanvas.Tests.Infra;

/// <summary>The app settings infra/ deploys cover every setting the app reads in Azure, secrets and storage by identity.</summary>
public sealed class BicepAppSettingsTests
{
    static readonly DeployedAppSettings Deployed = DeployedAppSettings.FromTemplate(BicepCli.CompiledMainTemplate);

    [Fact]
    public void AppSettings_SettingsTheAppReads_AreAllDeployed()
    {
        string[] missing = [.. SettingsTheAppReads.All
            .Where(s => !s.LocalOnly)
            .Where(s => s.IsMapEntry ? !Deployed.Patterns.Contains(s.Key) : !AppSetting.IsSetIn(Deployed.Values.Keys, s.Key))
            .Select(s => $"{s.Key} (from {s.Source})")];

        Assert.True(missing.Length == 0, "infra/ does not deploy: " + string.Join(", ", missing));
    }

    [Fact]
    public void AppSettings_LocalOnlySettings_AreNotDeployed()
    {
        string[] deployed = [.. SettingsTheAppReads.All
            .Where(s => s.LocalOnly && (AppSetting.IsSetIn(Deployed.Values.Keys, s.Key) || Deployed.Patterns.Contains(s.Key)))
            .Select(s => s.Key)];

        Assert.Empty(deployed);
    }

    [Theory]
    [InlineData(ApprovalOptions.Section + "__" + nameof(ApprovalOptions.SigningKey))]
    [InlineData(ModelOptions.Section + "__" + nameof(ModelOptions.ApiKey))]
    public void AppSettings_Secret_IsAKeyVaultReference(string key)
    {
        Assert.Contains(key, Deployed.Values.Keys);
        Assert.True(Deployed.IsKeyVaultReference(key), $"{key} is not a Key Vault reference: {Deployed.Values[key]}");
    }

    [Fact]
    public void AppSettings_TaskHubStorage_UsesTheManagedIdentity()
    {
        Assert.DoesNotContain(AppSettingNames.Storage, Deployed.Values.Keys);
        Assert.Equal("managedidentity", Deployed.Values[AppSettingNames.Storage + "__credential"]);
        Assert.Contains(AppSettingNames.Storage + "__accountName", Deployed.Values.Keys);
        Assert.Contains(AppSettingNames.Storage + "__clientId", Deployed.Values.Keys);
    }
}
