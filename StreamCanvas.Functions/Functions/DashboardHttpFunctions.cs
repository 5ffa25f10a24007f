using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using StreamCanvas.Api;
using StreamCanvas.Api.Dashboard;

namespace StreamCanvas.Functions;

/// <summary>The ops dashboard under the Functions host; anonymous, as the data behind it needs a function key.</summary>
public sealed class DashboardHttpFunctions(DashboardHandler dashboard)
{
    [Function(nameof(DashboardPage))]
    public IResult DashboardPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Dashboard)] HttpRequest request) =>
        dashboard.Page();

    /// <summary>No development key here: `func start` does not check function keys, so the page needs none locally.</summary>
    [Function(nameof(DashboardAsset))]
    public IResult DashboardAsset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.DashboardAsset)] HttpRequest request, string file) =>
        dashboard.Asset(file);
}
