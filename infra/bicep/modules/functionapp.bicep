// Flex Consumption (FC1) plan and the function app (.NET 10 isolated worker). Every setting the
// app reads is written here, in one literal object, and nothing in it is a secret: storage,
// Search, OpenAI and telemetry use the user-assigned identity; the admin key is a Key Vault
// reference. The settings table in docs/configuration.md lists these settings (a test compares the two).
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string

param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerUrl string

param applicationInsightsConnectionString string
param openAiEndpoint string
param chatDeploymentName string
param embeddingDeploymentName string
param searchEndpoint string
param searchIndexName string
param adminApiKeySecretUri string
@description('Vault the app reads per-org secrets from (Secrets__KeyVaultUri).')
param keyVaultUri string

param multitenancyEnabled bool
param defaultOrgId string
param systemPrompt string

@minValue(512)
param instanceMemoryMB int
@minValue(1)
param maximumInstanceCount int

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
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
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // Host and app storage, identity-based (StorageClients reads the service URIs + clientId).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    // DefaultAzureCredential anywhere in the app resolves to the same identity.
    AZURE_CLIENT_ID: identityClientId

    MULTITENANCY_ENABLED: string(multitenancyEnabled)
    DEFAULT_ORG_ID: defaultOrgId
    ADMIN_API_KEY: '@Microsoft.KeyVault(SecretUri=${adminApiKeySecretUri})'
    // Per-org secrets live in Key Vault, not in hand-added app settings: this resource replaces every setting on
    // each provision, so anything added by hand here would be deleted.
    Secrets__KeyVaultUri: keyVaultUri
    Agent__SystemPrompt: systemPrompt
    // The retention sweep's timer (six-field cron); what it deletes is each org's own retention setting.
    RETENTION_SWEEP_SCHEDULE: '0 */15 * * * *'

    AzureOpenAI__Endpoint: openAiEndpoint
    AzureOpenAI__ChatDeployment: chatDeploymentName
    AzureOpenAI__EmbeddingDeployment: embeddingDeploymentName
    AzureOpenAI__ClientId: identityClientId

    AzureSearch__Endpoint: searchEndpoint
    AzureSearch__IndexName: searchIndexName
    AzureSearch__ClientId: identityClientId

    // The connection string only names the component; ingestion is Entra ID-authenticated.
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  }
}

// Publishing with user name and password is off; azd deploys with an Entra ID token.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output uri string = 'https://${app.properties.defaultHostName}'
