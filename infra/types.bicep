// Types shared by main.bicep and its modules.

@export()
@description('A connection tool steps may call (Tools:Connections:<name>); nothing outside its base URL is reachable.')
type toolConnection = {
  @description('Base URL the step paths are appended to.')
  baseUrl: string

  @description('Headers added to every call: header name to the name of the Key Vault secret holding its value.')
  headerSecrets: { *: string }?

  @description('Path (relative to baseUrl) the readiness audit probes with a GET; a 2xx answer means reachable.')
  healthPath: string?
}
