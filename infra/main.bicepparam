// Example parameters: safe to commit, no secrets. Secrets live in the Key Vault the deployment creates
// (docs/deploy.md shows how to set them); the app reads them through Key Vault references.
using 'main.bicep'

param name = 'streamcanvas'
param hostingPlan = 'FlexConsumption'
param taskHubName = 'StreamCanvas'

param deployOpenAI = true
param modelName = 'gpt-4o-mini'
param modelVersion = '2024-07-18'
param modelDeploymentSku = 'GlobalStandard'
param modelCapacity = 30

// The connections the sample workflows call. Point them at the real services; a header whose value is a
// credential names the Key Vault secret that holds it, e.g. headerSecrets: { Authorization: 'cms-api-key' }.
param toolConnections = {
  customerDirectory: {
    baseUrl: 'https://customers.example.com/api'
  }
  billing: {
    baseUrl: 'https://billing.example.com/api'
  }
  cms: {
    baseUrl: 'https://cms.example.com/api'
  }
}

// Incoming-webhook URLs carry their own credential, so each is a Key Vault secret, named here.
param approvalWebhooks = {}
param approverGroups = {}

// The object id of whoever sets the secrets and uploads packages, e.g. `az ad signed-in-user show --query id -o tsv`.
param operatorPrincipalId = ''

param tags = {
  application: 'streamcanvas'
  environment: 'example'
}
