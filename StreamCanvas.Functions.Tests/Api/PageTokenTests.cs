using StreamCanvas.Api;

namespace StreamCanvas.Tests.Api;

public sealed class PageTokenTests
{
    [Theory]
    [InlineData("{\"nextPartitionKey\":\"1!64!c3VwcG9ydA--\",\"nextRowKey\":\"\"}")]
    [InlineData("plain text with spaces & symbols +/=")]
    public void Wrap_ThenUnwrap_GivesTheProviderTokenBack(string providerToken)
    {
        string token = PageToken.Wrap(providerToken);

        Assert.True(PageToken.TryUnwrap(token, out string unwrapped));
        Assert.Equal(providerToken, unwrapped);
        Assert.Equal(Uri.EscapeDataString(token), token);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJ4IjoxfQ")] // base64url JSON without the envelope
    [InlineData("djE6")]       // the envelope around nothing
    [InlineData("%%%")]
    public void TryUnwrap_TokenThisApiNeverIssued_IsRefused(string token)
    {
        Assert.False(PageToken.TryUnwrap(token, out _));
    }
}
