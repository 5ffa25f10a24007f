using System.Text;
using System.Text.Json.Nodes;
using StreamCanvas.Approvals;
using StreamCanvas.Functions;

namespace StreamCanvas.Tests.Functions;

/// <summary>Reading App Service Authentication's X-MS-CLIENT-PRINCIPAL: which claim is the identity, which are groups, what is not a principal.</summary>
public sealed class AppServicePrincipalTests
{
    const string EmailAddress = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    const string Role = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

    static string Header(string? nameType, params (string Type, string Value)[] claims)
    {
        var principal = new JsonObject
        {
            ["auth_typ"] = "aad", ["name_typ"] = nameType, ["role_typ"] = Role,
            ["claims"] = new JsonArray([.. claims.Select(c => (JsonNode)new JsonObject { ["typ"] = c.Type, ["val"] = c.Value })]),
        };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(principal.ToJsonString()));
    }

    [Fact]
    public void Decode_PreferredUsername_IsTheIdentityOverEmailAndName()
    {
        AuthenticatedPrincipal? principal = AppServicePrincipal.Decode(Header("name",
            ("name", "Ed Example"), ("email", "ed.mail@example.com"), ("preferred_username", "ed@example.com")));

        Assert.Equal("ed@example.com", principal!.Name);
    }

    [Fact]
    public void Decode_NoPreferredUsername_FallsBackToEmailThenTheNameTypeClaim()
    {
        Assert.Equal("ed.mail@example.com", AppServicePrincipal.Decode(Header("name", ("name", "Ed"), ("email", "ed.mail@example.com")))!.Name);
        Assert.Equal("ed.addr@example.com", AppServicePrincipal.Decode(Header("name", ("name", "Ed"), (EmailAddress, "ed.addr@example.com")))!.Name);
        Assert.Equal("upn@example.com", AppServicePrincipal.Decode(Header("upn", ("upn", "upn@example.com")))!.Name);
    }

    [Fact]
    public void Decode_GroupsRolesAndRoleTypeClaims_AreTheGroups()
    {
        AuthenticatedPrincipal principal = AppServicePrincipal.Decode(Header(null,
            ("preferred_username", "ed@example.com"), ("groups", "editors"), ("roles", "Approvers"), (Role, "chiefs"), ("scp", "user_impersonation")))!;

        Assert.Equal(["editors", "Approvers", "chiefs"], principal.Groups);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("e30=")] // {}
    [InlineData("eyJjbGFpbXMiOltdfQ==")] // {"claims":[]}: no identity claim
    public void Decode_NotAPrincipal_IsNull(string header) => Assert.Null(AppServicePrincipal.Decode(header));
}
