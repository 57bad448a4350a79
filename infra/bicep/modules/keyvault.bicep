// Holds the platform admin key and the per-org secrets (model endpoint keys) that admins add by hand. The app
// reads them with its managed identity (Key Vault Secrets User: read only): the admin key through a Key Vault
// reference, per-org secrets by name at run time. No value appears in an app setting or an output, and a
// re-provision leaves hand-added secrets alone (only admin-api-key is written here).
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
output uri string = vault.properties.vaultUri
// Versionless, so a rotated secret is picked up without redeploying the app.
output adminApiKeySecretUri string = '${vault.properties.vaultUri}secrets/${adminKey.name}'
