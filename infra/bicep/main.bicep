// azd entry point: one resource group with everything AgentFunctions needs, keyless by design.
// Every module is a local file (registry modules cannot be restored offline).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; part of every resource name.')
param environmentName string

// Regions that offer the Flex Consumption plan (the list of Microsoft's azd Flex Consumption quickstart;
// `az functionapp list-flexconsumption-locations` prints today's). The chosen models must be offered there too.
@minLength(1)
@description('Region for every resource: one that offers Flex Consumption and the chosen models.')
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying principal (azd sets AZURE_PRINCIPAL_ID); gets the same data-plane roles as the app for local runs against Azure. Empty: none.')
param principalId string = ''

@description('AZURE_PRINCIPAL_TYPE: ServicePrincipal when azd runs in CI under a service principal.')
@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

@description('Grant the deploying principal the app\'s data-plane roles (for local runs against Azure). Turn off for production subscriptions.')
param allowUserIdentityPrincipal bool = true

@secure()
@minLength(32)
@description('Platform admin key for /api/admin/* (at least 32 characters). Stored in Key Vault only.')
param adminApiKey string

@description('MULTITENANCY_ENABLED: on, each request names its org (X-Org-Id).')
param multitenancyEnabled bool = true

@description('DEFAULT_ORG_ID: org used when a request names none; empty = such requests are refused.')
param defaultOrgId string = ''

@description('Agent__SystemPrompt: fallback system prompt for orgs without their own.')
param systemPrompt string = 'You are a helpful assistant.'

// Models: pick a version that is neither deprecated nor retired (Microsoft's model retirement table) and that
// the region offers with the chosen SKU. main.parameters.json maps each to an azd environment value.
@description('Chat model (AZURE_OPENAI_CHAT_MODEL).')
param chatModelName string = 'gpt-5.4-mini'
@description('Chat model version (AZURE_OPENAI_CHAT_MODEL_VERSION).')
param chatModelVersion string = '2026-03-17'
@description('Chat deployment SKU (AZURE_OPENAI_CHAT_SKU): GlobalStandard, DataZoneStandard or Standard.')
param chatDeploymentSku string = 'GlobalStandard'
@minValue(1)
@description('Chat deployment capacity in thousands of tokens per minute (AZURE_OPENAI_CHAT_CAPACITY).')
param chatDeploymentCapacity int = 30

@description('Embedding model (AZURE_OPENAI_EMBEDDING_MODEL); its vector length must match AzureSearch__Dimensions (1536).')
param embeddingModelName string = 'text-embedding-3-small'
@description('Embedding model version (AZURE_OPENAI_EMBEDDING_MODEL_VERSION).')
param embeddingModelVersion string = '1'
@description('Embedding deployment SKU (AZURE_OPENAI_EMBEDDING_SKU).')
param embeddingDeploymentSku string = 'GlobalStandard'
@minValue(1)
@description('Embedding deployment capacity in thousands of tokens per minute (AZURE_OPENAI_EMBEDDING_CAPACITY).')
param embeddingDeploymentCapacity int = 30

@allowed(['free', 'basic', 'standard'])
param searchSku string = 'basic'
param searchIndexName string = 'knowledge'

@description('Memory of each instance; Flex Consumption offers these sizes.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var names = {
  identity: 'id-${resourceToken}'
  storage: 'st${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  search: 'srch-${resourceToken}'
  openAi: 'oai-${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module search 'modules/search.bicep' = {
  name: 'search'
  scope: rg
  params: {
    name: names.search
    location: location
    tags: tags
    sku: searchSku
  }
}

module openAi 'modules/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    name: names.openAi
    location: location
    tags: tags
    chat: {
      deploymentName: 'chat'
      modelName: chatModelName
      modelVersion: chatModelVersion
      skuName: chatDeploymentSku
      capacity: chatDeploymentCapacity
    }
    embedding: {
      deploymentName: 'embedding'
      modelName: embeddingModelName
      modelVersion: embeddingModelVersion
      skuName: embeddingDeploymentSku
      capacity: embeddingDeploymentCapacity
    }
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    adminApiKeySecretName: 'admin-api-key'
    adminApiKey: adminApiKey
  }
}

module appRoles 'modules/roles.bicep' = {
  name: 'app-roles'
  scope: rg
  // Names (known before deployment, so what-if can predict the assignments) carry no dependency: wait
  // explicitly for every resource a role targets, or the first azd up races them.
  dependsOn: [storage, search, openAi, monitoring, keyVault]
  params: {
    principalId: identity.outputs.principalId
    principalKey: names.identity
    principalType: 'ServicePrincipal'
    storageAccountName: names.storage
    searchServiceName: names.search
    openAiAccountName: names.openAi
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
  }
}

module developerRoles 'modules/roles.bicep' = if (allowUserIdentityPrincipal && !empty(principalId)) {
  name: 'developer-roles'
  scope: rg
  // Names (known before deployment, so what-if can predict the assignments) carry no dependency: wait
  // explicitly for every resource a role targets, or the first azd up races them.
  dependsOn: [storage, search, openAi, monitoring, keyVault]
  params: {
    principalId: principalId
    principalKey: principalId
    principalType: principalType
    storageAccountName: names.storage
    searchServiceName: names.search
    openAiAccountName: names.openAi
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The host reaches storage and Key Vault as soon as it starts: grant the roles first.
  dependsOn: [appRoles]
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    openAiEndpoint: openAi.outputs.endpoint
    chatDeploymentName: openAi.outputs.chatDeploymentName
    embeddingDeploymentName: openAi.outputs.embeddingDeploymentName
    searchEndpoint: search.outputs.endpoint
    searchIndexName: searchIndexName
    adminApiKeySecretUri: keyVault.outputs.adminApiKeySecretUri
    keyVaultUri: keyVault.outputs.uri
    multitenancyEnabled: multitenancyEnabled
    defaultOrgId: defaultOrgId
    systemPrompt: systemPrompt
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output AZURE_OPENAI_CHAT_DEPLOYMENT string = openAi.outputs.chatDeploymentName
output AZURE_OPENAI_EMBEDDING_DEPLOYMENT string = openAi.outputs.embeddingDeploymentName
output AZURE_SEARCH_ENDPOINT string = search.outputs.endpoint
output AZURE_SEARCH_INDEX_NAME string = searchIndexName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
