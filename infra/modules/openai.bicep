// An Azure OpenAI account with one model deployment, reached by Entra ID only (local keys are switched off).

param name string
param location string
param tags { *: string }

@description('Model deployed, and the deployment name the app uses as Model:DefaultModel.')
param modelName string

param modelVersion string

@description('Deployment SKU: GlobalStandard, Standard, DataZoneStandard, ...')
param deploymentSku string

@description('Capacity in thousands of tokens per minute.')
param capacity int

resource account 'Microsoft.CognitiveServices/accounts@2026-07-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource deployment 'Microsoft.CognitiveServices/accounts/deployments@2026-07-01' = {
  parent: account
  name: modelName
  sku: {
    name: deploymentSku
    capacity: capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: modelName
      version: modelVersion
    }
  }
}

output name string = account.name
output endpoint string = account.properties.endpoint
output deploymentName string = deployment.name
