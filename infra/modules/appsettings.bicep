// The Function App's settings: every setting the app reads (docs/configuration.md explains each one). Secrets are
// Key Vault references resolved by the app's identity; storage is reached by that identity, never by a key.
// Its own module so each value arrives as a parameter: the compiled template then lists the setting names
// literally, which the infra tests read.

import { mcpServer, toolConnection } from '../types.bicep'

param functionAppName string

@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string

param taskHubName string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param packageBlobName string
param identityId string
param identityClientId string
param keyVaultUri string

@secure()
param appInsightsConnectionString string

@description('Base URL approval links point to.')
param publicBaseUrl string

@allowed(['azure-openai', 'openai-compatible', 'offline'])
param modelProvider string

param modelEndpoint string
param defaultModel string

@description('Key Vault secret holding the model API key; empty to authenticate with the identity (Entra ID).')
param modelApiKeySecretName string

@description('Key Vault secret holding the HMAC key that signs approval links.')
param signingKeySecretName string

param toolConnections { *: toolConnection }

@description('MCP servers agent steps take tools from (Mcp:Servers:<name>), by the name the steps use.')
param mcpServers { *: mcpServer } = {}

@description('Approval notification webhooks (Approvals:Webhooks:<name>): name to the Key Vault secret holding its URL.')
param approvalWebhooks { *: string }

@description('Approver groups (Approvals:Groups:<group>): group name to its members\' addresses, separated by commas.')
param approverGroups { *: string } = {}

@description('Model prices (Model:Pricing:<model>): model or deployment name to its price per 1K input and output tokens.')
param modelPricing { *: { inputPer1K: string, outputPer1K: string } } = {}

func secretReference(vaultUri string, secretName string) string =>
  '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${secretName})'

var settings = {
  // Task hub storage, by identity.
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  TaskHubName: taskHubName
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  // Traces and metrics go to Application Insights; set a collector URL here to send them over OTLP as well.
  OTEL_EXPORTER_OTLP_ENDPOINT: ''

  Model__Provider: modelProvider
  Model__Endpoint: modelEndpoint
  Model__ApiKey: empty(modelApiKeySecretName) ? '' : secretReference(keyVaultUri, modelApiKeySecretName)
  Model__ManagedIdentityClientId: identityClientId
  Model__DefaultModel: defaultModel
  // The app's own defaults, listed so they can be tuned in place.
  Model__MaxRetries: '3'
  Model__TimeoutSeconds: '100'
  Model__ActivityTimeoutSeconds: '600'
  // The deployment's quota, shared by all instances (empty: no limit); see docs/performance.md.
  Model__Quota__MaxConcurrentCalls: ''
  Model__Quota__RequestsPerMinute: ''
  Model__Quota__TokensPerMinute: ''
  Model__Quota__WindowSeconds: '10'
  Model__Quota__LeaseSeconds: '120'
  Model__Quota__MaxWaitSeconds: '20'
  Tools__DefaultTimeoutSeconds: '30'
  Tools__AttemptTimeoutSeconds: '10'
  Tools__MaxResponseBytes: '1048576'

  Approvals__SigningKey: secretReference(keyVaultUri, signingKeySecretName)
  Approvals__PublicBaseUrl: publicBaseUrl
  Approvals__TokenGraceMinutes: '5'
  Alerts__WindowMinutes: '60'
  Claims__RetentionDays: '90'

  WorkflowStarts__Queue: 'workflow-starts'
  WorkflowStarts__PoisonQueue: 'workflow-starts-poison'
  WorkflowStarts__MaxDequeueCount: '5'
  WorkflowStarts__Enabled: 'true'
  WorkflowStarts__BatchSize: '16'
  WorkflowStarts__VisibilityTimeoutSeconds: '30'
  WorkflowStarts__MaxPollingIntervalMilliseconds: '5000'
  Schedules__Enabled: 'true'
}

// Flex Consumption sets the runtime in functionAppConfig and rejects these settings; Elastic Premium needs them.
var elasticPremiumSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'dotnet-isolated'
  WEBSITE_RUN_FROM_PACKAGE: '${storageBlobEndpoint}${deploymentContainerName}/${packageBlobName}'
  WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identityId
}

// Tools:Connections:<name>:BaseUrl and :Headers:<header>, one entry per connection the workflows call.
var toolBaseUrls = toObject(items(toolConnections), c => 'Tools__Connections__${c.key}__BaseUrl', c => c.value.baseUrl)
// Tools:Connections:<name>:HealthPath, only for connections that declare one.
var toolHealthPaths = toObject(
  filter(items(toolConnections), c => !empty(c.value.?healthPath ?? '')),
  c => 'Tools__Connections__${c.key}__HealthPath',
  c => c.value.healthPath!
)
var toolHeaders = reduce(
  items(toolConnections),
  {},
  (headers, c) =>
    union(
      headers,
      toObject(
        items(c.value.?headerSecrets ?? {}),
        h => 'Tools__Connections__${c.key}__Headers__${h.key}',
        h => secretReference(keyVaultUri, h.value)
      )
    )
)

// Mcp:Servers:<name>:Endpoint, :ApiKey and :Headers:<header>, one entry per MCP server the agents use.
var mcpEndpoints = toObject(items(mcpServers), m => 'Mcp__Servers__${m.key}__Endpoint', m => m.value.endpoint)
var mcpApiKeys = toObject(
  filter(items(mcpServers), m => !empty(m.value.?apiKeySecret ?? '')),
  m => 'Mcp__Servers__${m.key}__ApiKey',
  m => secretReference(keyVaultUri, m.value.apiKeySecret!)
)
var mcpHeaders = reduce(
  items(mcpServers),
  {},
  (headers, m) =>
    union(
      headers,
      toObject(
        items(m.value.?headerSecrets ?? {}),
        h => 'Mcp__Servers__${m.key}__Headers__${h.key}',
        h => secretReference(keyVaultUri, h.value)
      )
    )
)

var webhooks = toObject(
  items(approvalWebhooks),
  w => 'Approvals__Webhooks__${w.key}',
  w => secretReference(keyVaultUri, w.value)
)

var groups = toObject(
  items(approverGroups),
  g => 'Approvals__Groups__${g.key}',
  g => g.value
)

// Model:Pricing:<model>:InputPer1K and :OutputPer1K: what cost per step, run, workflow and day is computed from.
var pricing = reduce(
  items(modelPricing),
  {},
  (prices, m) =>
    union(prices, {
      'Model__Pricing__${m.key}__InputPer1K': m.value.inputPer1K
      'Model__Pricing__${m.key}__OutputPer1K': m.value.outputPer1K
    })
)

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(
    settings,
    hostingPlan == 'ElasticPremium' ? elasticPremiumSettings : {},
    toolBaseUrls,
    toolHealthPaths,
    toolHeaders,
    mcpEndpoints,
    mcpApiKeys,
    mcpHeaders,
    groups,
    webhooks,
    pricing
  )
}
