// Holds the platform admin key. The app reads it through a Key Vault reference with its managed
// identity (Key Vault Secrets User); the value never appears in an app setting or an output.
param name string
param location string
param tags object
param adminApiKeySecretName string

@secure()
@minLength(32)
param adminApiKey string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource adminKey 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: adminApiKeySecretName
  properties: {
    value: adminApiKey
    contentType: 'text/plain'
  }
}

output name string = vault.name
// Versionless, so a rotated secret is picked up without redeploying the app.
output adminApiKeySecretUri string = '${vault.properties.vaultUri}secrets/${adminKey.name}'
