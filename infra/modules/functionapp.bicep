// The hosting plan and the Function App (.NET isolated on Linux), running as the user-assigned identity.
// Flex Consumption deploys from a blob container it reads with that identity; Elastic Premium runs the package
// from the same container (WEBSITE_RUN_FROM_PACKAGE in appsettings.bicep) instead of an Azure Files share, whose
// connection string would be a storage key.

param name string
param planName string
param location string
param tags { *: string }

@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string

@description('Flex Consumption: most instances the app scales out to.')
param maximumInstanceCount int

@description('Flex Consumption: memory of one instance, in MB.')
param instanceMemoryMB int

@description('Elastic Premium: most instances the plan scales out to.')
param maximumElasticWorkerCount int

param identityId string
param storageBlobEndpoint string
param deploymentContainerName string

var isFlex = hostingPlan == 'FlexConsumption'

// .NET 10 isolated: the Flex runtime version and the Linux stack of Elastic Premium.
var dotnetVersion = '10.0'

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: 'EP1'
        tier: 'ElasticPremium'
      }
  properties: {
    reserved: true
    maximumElasticWorkerCount: isFlex ? null : maximumElasticWorkerCount
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity (it holds Key Vault Secrets User).
    keyVaultReferenceIdentity: identityId
    functionAppConfig: isFlex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${storageBlobEndpoint}${deploymentContainerName}'
              authentication: {
                type: 'UserAssignedIdentity'
                userAssignedIdentityResourceId: identityId
              }
            }
          }
          scaleAndConcurrency: {
            maximumInstanceCount: maximumInstanceCount
            instanceMemoryMB: instanceMemoryMB
          }
          runtime: {
            name: 'dotnet-isolated'
            version: dotnetVersion
          }
        }
      : null
    siteConfig: {
      linuxFxVersion: isFlex ? null : 'DOTNET-ISOLATED|${dotnetVersion}'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
