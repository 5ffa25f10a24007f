// StreamCanvas on Azure: the Function App (.NET isolated, Flex Consumption or Elastic Premium), the storage account
// of its Durable task hub, Application Insights on Log Analytics, a Key Vault for its secrets, optionally an Azure
// OpenAI model, one user-assigned identity holding the least roles the app needs, and the workflow owners' alerts
// (an action group per owner team, alert rules per workflow). See docs/deploy.md.

import { mcpServer, ownerAlertTeam, toolConnection } from 'types.bicep'

metadata description = 'StreamCanvas durable workflow engine on Azure Functions'

@description('Short name the resource names are built from (letters, digits, hyphens).')
@minLength(3)
@maxLength(12)
param name string = 'streamcanvas'

param location string = resourceGroup().location

@description('FlexConsumption (default) scales to zero and bills per execution; ElasticPremium keeps warm instances.')
@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string = 'FlexConsumption'

@description('Durable task hub name (TaskHubName): letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'StreamCanvas'

@description('Flex Consumption: most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Flex Consumption: memory of one instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Elastic Premium: most instances the plan scales out to.')
@minValue(1)
@maxValue(100)
param maximumElasticWorkerCount int = 20

@description('Deploy an Azure OpenAI account and model for llm steps; when false, the app uses modelProvider/modelEndpoint.')
param deployOpenAI bool = true

@description('Model the steps use by default (Model:DefaultModel); with deployOpenAI, also the model and deployment name.')
param modelName string = 'gpt-4o-mini'

@description('With deployOpenAI: the model version deployed.')
param modelVersion string = '2024-07-18'

@description('With deployOpenAI: the deployment SKU (GlobalStandard, Standard, DataZoneStandard, ...).')
param modelDeploymentSku string = 'GlobalStandard'

@description('With deployOpenAI: capacity in thousands of tokens per minute.')
@minValue(1)
param modelCapacity int = 30

@description('Without deployOpenAI: offline (canned answers), openai-compatible, or an existing azure-openai resource.')
@allowed(['azure-openai', 'openai-compatible', 'offline'])
param modelProvider string = 'offline'

@description('Without deployOpenAI: the model endpoint (Model:Endpoint). Its API key, if any, is the vault secret "model-api-key".')
param modelEndpoint string = ''

@description('Connections tool steps may call, by the name the workflows use (Tools:Connections:<name>).')
param toolConnections { *: toolConnection } = {}

@description('MCP servers agent steps take tools from, by the name the workflows use (Mcp:Servers:<name>).')
param mcpServers { *: mcpServer } = {}

@description('Approval notification webhooks (Approvals:Webhooks:<name>): name to the Key Vault secret holding the URL.')
param approvalWebhooks { *: string } = {}

@description('Approver groups (Approvals:Groups:<group>): group name to its members\' addresses, separated by commas; each member gets their own approval link.')
param approverGroups { *: string } = {}

@description('Model prices (Model:Pricing:<model>): per 1K input and output tokens, as decimal strings in the currency you bill in; unpriced models show no cost.')
param modelPricing { *: { inputPer1K: string, outputPer1K: string } } = {}

@description('Object id of the person or pipeline that operates the app: sets the vault\'s secrets and uploads packages; empty grants no one.')
param operatorPrincipalId string = ''

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Deploy the owners\' Azure Monitor alerts: an action group per owner team and, per workflow, failure-rate, definition-of-done and approval-timeout rules (from owner-alerts.json).')
param deployOwnerAlerts bool = true

@description('The owner teams and their workflows, as the app\'s `alerts` command generates them from workflows/*.json.')
param ownerAlerts ownerAlertTeam[] = loadJsonContent('owner-alerts.json').owners

@description('Owner alert channels (owner.alerts) to their incoming-webhook URLs, each a webhook receiver of its owners\' action groups. The URL is a credential: pass it when deploying, never commit it.')
@secure()
param ownerAlertWebhookUrls { *: string } = {}

@description('Alert a workflow\'s owner when more than this percentage of its finished runs failed within ownerAlertFailureRateWindow.')
@minValue(1)
@maxValue(100)
param ownerAlertFailureRatePercent int = 10

@description('The window the failure rate is computed over (ISO 8601).')
@allowed(['PT30M', 'PT1H', 'PT6H', 'PT24H'])
param ownerAlertFailureRateWindow string = 'PT1H'

@description('Definition-of-done pass rate (percent) to alert the owner below, for workflows whose definition declares no threshold.')
@minValue(1)
@maxValue(100)
param ownerAlertDoneRatePercent int = 80

@description('Hours the definition-of-done pass rate is computed over, for workflows whose definition declares none.')
@minValue(1)
@maxValue(48)
param ownerAlertDoneRateWindowHours int = 24

@description('Fewer finished runs than this in a window say too little to alert on a rate.')
@minValue(1)
param ownerAlertMinRuns int = 10

param tags { *: string } = {
  application: 'streamcanvas'
}

// Names are computed here, not taken from module outputs, so what-if can predict every resource.
var suffix = uniqueString(resourceGroup().id, name)
var names = {
  storage: take('st${toLower(replace(name, '-', ''))}${suffix}', 24)
  workspace: 'log-${name}-${suffix}'
  appInsights: 'appi-${name}-${suffix}'
  keyVault: 'kv${take(toLower(replace(name, '-', '')), 9)}${suffix}'
  openAI: 'oai-${name}-${suffix}'
  identity: 'id-${name}-${suffix}'
  plan: 'plan-${name}-${suffix}'
  functionApp: 'func-${name}-${suffix}'
}
var deploymentContainerName = 'app-package'

// Secrets the app reads through Key Vault references; docs/deploy.md shows how to set them.
var signingKeySecretName = 'approvals-signing-key'
var modelApiKeySecretName = 'model-api-key'

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    operatorPrincipalId: operatorPrincipalId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    operatorPrincipalId: operatorPrincipalId
  }
}

module openAI 'modules/openai.bicep' = if (deployOpenAI) {
  name: 'openai'
  params: {
    name: names.openAI
    location: location
    tags: tags
    modelName: modelName
    modelVersion: modelVersion
    deploymentSku: modelDeploymentSku
    capacity: modelCapacity
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  dependsOn: [storage, keyVault, openAI]
  params: {
    name: names.identity
    location: location
    tags: tags
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    openAIAccountName: deployOpenAI ? names.openAI : ''
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    hostingPlan: hostingPlan
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    maximumElasticWorkerCount: maximumElasticWorkerCount
    identityId: identity.outputs.id
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
  }
}

// Read here and handed over as a secure parameter: no module outputs the connection string.
resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: names.appInsights
  dependsOn: [monitoring]
}

module appSettings 'modules/appsettings.bicep' = {
  name: 'appsettings'
  params: {
    functionAppName: names.functionApp
    hostingPlan: hostingPlan
    taskHubName: taskHubName
    storageAccountName: names.storage
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    packageBlobName: 'streamcanvas.zip'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    keyVaultUri: keyVault.outputs.uri
    appInsightsConnectionString: appInsights.properties.ConnectionString
    publicBaseUrl: 'https://${functionApp.outputs.defaultHostName}'
    modelProvider: deployOpenAI ? 'azure-openai' : modelProvider
    modelEndpoint: openAI.?outputs.endpoint ?? modelEndpoint
    defaultModel: openAI.?outputs.deploymentName ?? modelName
    // The deployed account takes Entra ID only; another endpoint gets its key from the vault.
    modelApiKeySecretName: deployOpenAI || modelProvider == 'offline' ? '' : modelApiKeySecretName
    signingKeySecretName: signingKeySecretName
    toolConnections: toolConnections
    mcpServers: mcpServers
    approvalWebhooks: approvalWebhooks
    approverGroups: approverGroups
    modelPricing: modelPricing
  }
}

module alerts 'modules/ownerAlerts.bicep' = if (deployOwnerAlerts) {
  name: 'owner-alerts'
  dependsOn: [monitoring]
  params: {
    name: name
    location: location
    tags: tags
    appInsightsName: names.appInsights
    owners: ownerAlerts
    webhookUrls: ownerAlertWebhookUrls
    failureRatePercent: ownerAlertFailureRatePercent
    failureRateWindow: ownerAlertFailureRateWindow
    doneRateBelowPercent: ownerAlertDoneRatePercent
    doneRateWindowHours: ownerAlertDoneRateWindowHours
    minRuns: ownerAlertMinRuns
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = 'https://${functionApp.outputs.defaultHostName}'
output storageAccountName string = storage.outputs.name
output deploymentContainerUrl string = '${storage.outputs.blobEndpoint}${deploymentContainerName}'
output keyVaultName string = keyVault.outputs.name
output applicationInsightsName string = monitoring.outputs.appInsightsName
output identityClientId string = identity.outputs.clientId
output taskHubName string = taskHubName
output openAIEndpoint string = openAI.?outputs.endpoint ?? ''
