// vaultfn on Azure: a Linux function app running the Rust custom handler, its storage and
// Application Insights, a Key Vault in RBAC mode, and the role assignments the app needs.
// Deploy: az deployment group create -g <rg> -f infra/main.bicep -p infra/main.parameters.example.json

@description('Short lowercase prefix for resource names (3-11 letters or digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'vaultfn'

param location string = resourceGroup().location

@description('Hosting plan SKU: Y1 (Linux Consumption), EP1 (Elastic Premium) or B1 (Basic, dedicated). All run custom handlers on Linux.')
@allowed(['Y1', 'EP1', 'B1'])
param planSku string = 'Y1'

@description('Value stored in Key Vault as external-api-key; EXTERNAL_API_KEY references it.')
@secure()
param externalApiKey string

@description('Value stored in Key Vault as database-password; DATABASE_PASSWORD references it.')
@secure()
param databasePassword string

@description('Client id of a user-assigned identity to use instead of the system-assigned one (empty: system-assigned).')
param userAssignedIdentityClientId string = ''

@description('Days before a secret expires that config-check?deep=true and the metadata endpoints warn.')
param secretExpiryWarningDays int = 30

var suffix = uniqueString(resourceGroup().id, namePrefix)
var appName = '${namePrefix}-${suffix}'
var vaultName = take('${namePrefix}kv${suffix}', 24)
// Built-in role definition ids.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // read secret values: reference resolution
var keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2' // read metadata only: /api/secrets

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('${namePrefix}st${suffix}', 24)
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'linux'
  sku: { name: planSku }
  properties: { reserved: true } // Linux
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

resource externalApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'external-api-key'
  properties: { value: externalApiKey, contentType: 'text/plain' }
}

resource databasePasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-password'
  properties: { value: databasePassword, contentType: 'text/plain' }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
      // The platform's health check carries no function key, so the path holds one.
      // Anonymous on purpose: the platform's health ping carries no function key, and a site
      // property is no place for one. /api/ready says healthy or unhealthy and nothing else.
      healthCheckPath: '/api/ready'
      appSettings: [
        { name: 'AzureWebJobsStorage', value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}' }
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'custom' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        // vaultfn's own settings (README "Settings").
        { name: 'KEY_VAULT_URL', value: vault.properties.vaultUri }
        { name: 'CONFIG_CHECK_SETTINGS', value: 'EXTERNAL_API_KEY=external-api-key,DATABASE_PASSWORD=database-password' }
        { name: 'EXTERNAL_API_KEY', value: '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/external-api-key/)' }
        { name: 'DATABASE_PASSWORD', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=database-password)' }
        { name: 'KEY_VAULT_TIMEOUT_MS', value: '5000' }
        { name: 'SECRET_METADATA_TTL_SECONDS', value: '300' }
        { name: 'SECRET_EXPIRY_WARNING_DAYS', value: string(secretExpiryWarningDays) }
        { name: 'KEY_VAULT_CREDENTIAL', value: 'app-service-managed-identity' }
        { name: 'AZURE_CLIENT_ID', value: userAssignedIdentityClientId }
        { name: 'RUST_LOG', value: 'info' }
      ]
    }
  }
}

// Reference resolution reads values: "Key Vault Secrets User". The metadata endpoints only list
// properties: "Key Vault Reader" is all they need.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, app.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, app.id, keyVaultReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultReader)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}'
output keyVaultUrl string = vault.properties.vaultUri
