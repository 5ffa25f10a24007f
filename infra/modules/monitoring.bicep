// Application Insights on a Log Analytics workspace: the app's logs, requests, Durable Task traces and OpenTelemetry metrics, and the operations workbook.

param workspaceName string
param appInsightsName string
param location string
param tags { *: string }

@description('Days the workspace keeps logs.')
@minValue(30)
@maxValue(730)
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    retentionInDays: retentionInDays
    sku: {
      name: 'PerGB2018'
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
  }
}

// The operations workbook: the dashboard's views over this resource's traces and metrics (docs/observability.md).
resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'streamcanvas-operations')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'StreamCanvas operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('../workbook.json')
  }
}

output appInsightsName string = appInsights.name
