// Azure OpenAI with the chat and embedding deployments the app uses by default. API keys are off:
// the app calls it with its managed identity (Cognitive Services OpenAI User).
param name string
param location string
param tags object

@description('Chat model deployment: name, model, version, SKU and capacity (thousands of tokens per minute).')
param chat deploymentSpec

@description('Embedding model deployment, same shape as chat.')
param embedding deploymentSpec

type deploymentSpec = {
  deploymentName: string
  modelName: string
  modelVersion: string
  skuName: string
  capacity: int
}

resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    // A custom subdomain is what makes Microsoft Entra ID authentication possible.
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource chatDeployment 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: chat.deploymentName
  sku: {
    name: chat.skuName
    capacity: chat.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: chat.modelName
      version: chat.modelVersion
    }
  }
}

// Deployments on one account are created one at a time; in parallel the second one fails.
resource embeddingDeployment 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: embedding.deploymentName
  dependsOn: [chatDeployment]
  sku: {
    name: embedding.skuName
    capacity: embedding.capacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: embedding.modelName
      version: embedding.modelVersion
    }
  }
}

output name string = account.name
output endpoint string = account.properties.endpoint
output chatDeploymentName string = chatDeployment.name
output embeddingDeploymentName string = embeddingDeployment.name
