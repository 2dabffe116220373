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

@description('Subscribe secret-events to the vault\'s Event Grid events. The function must exist first: deploy the code once, then deploy this template again with true.')
param subscribeToVaultEvents bool = false

@description('NCRONTAB schedule of the expiry scan (six fields, UTC).')
param expiryScanSchedule string = '0 0 6 * * *'

var suffix = uniqueString(resourceGroup().id, namePrefix)
var appName = '${namePrefix}-${suffix}'
var vaultName = take('${namePrefix}kv${suffix}', 24)
// Built-in role definition ids.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // read secret values: reference resolution
var keyVaultReader = '21090545-7ca7-4776-b22c-e363652d74d2' // read metadata only: /api/secrets
var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7' // read the site's reference status from Resource Manager

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
        { name: 'EXPIRY_SCAN_SCHEDULE', value: expiryScanSchedule }
        { name: 'REFRESH_REFERENCES_ON_ROTATION', value: 'true' }
        { name: 'REFRESH_DEBOUNCE_SECONDS', value: '60' }
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

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, app.id, keyVaultReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultReader)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// config-check?deep=true reads what the platform resolved (status, active version) from Resource
// Manager: "Reader" on this one site, nothing wider.
resource siteReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: app
  name: guid(app.id, app.id, reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', reader)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The reference refresh (POST .../config/configreferences/appsettings/refresh) writes the site's
// configuration: a custom role with exactly that, assigned on this one site, instead of Website
// Contributor, which could also change code, keys and settings.
resource refresherRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, namePrefix, 'reference-refresher')
  properties: {
    roleName: '${namePrefix} Key Vault reference refresher (${suffix})'
    description: 'Reads the site configuration and asks App Service to resolve Key Vault references again.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.Web/sites/config/read'
          'Microsoft.Web/sites/config/write'
        ]
        notActions: []
      }
    ]
    assignableScopes: [resourceGroup().id]
  }
}

resource refresher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: app
  name: guid(app.id, app.id, refresherRole.id)
  properties: {
    roleDefinitionId: refresherRole.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault's events: a new version drops the cached metadata and refreshes the references in
// seconds; near-expiry and expired become warnings. Undeliverable events go to a dead-letter
// container after Event Grid's retries.
resource deadLetters 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  name: '${storage.name}/default/eventgrid-deadletter'
}

resource vaultEvents 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${namePrefix}-kv-events-${suffix}'
  location: location
  properties: { source: vault.id, topicType: 'Microsoft.KeyVault.vaults' }
}

resource secretEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (subscribeToVaultEvents) {
  parent: vaultEvents
  name: 'secret-events'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: { resourceId: '${app.id}/functions/secret-events', maxEventsPerBatch: 1 }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.KeyVault.SecretNewVersionCreated'
        'Microsoft.KeyVault.SecretNearExpiry'
        'Microsoft.KeyVault.SecretExpired'
        'Microsoft.KeyVault.CertificateNewVersionCreated'
        'Microsoft.KeyVault.CertificateNearExpiry'
        'Microsoft.KeyVault.CertificateExpired'
      ]
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 }
    deadLetterDestination: {
      endpointType: 'StorageBlob'
      properties: { resourceId: storage.id, blobContainerName: 'eventgrid-deadletter' }
    }
  }
  dependsOn: [deadLetters]
}

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}'
output keyVaultUrl string = vault.properties.vaultUri
