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

@export()
@description('An MCP server agent steps may take tools from (Mcp:Servers:<name>), spoken to over streamable HTTP.')
type mcpServer = {
  @description('The server\'s streamable HTTP endpoint, e.g. https://crm.example.com/mcp.')
  endpoint: string

  @description('Name of the Key Vault secret holding an API key, sent as Authorization: Bearer <key>.')
  apiKeySecret: string?

  @description('Headers added to every request: header name to the name of the Key Vault secret holding its value.')
  headerSecrets: { *: string }?
}

@export()
@description('An owner team in infra/owner-alerts.json (generated from workflows/*.json): one action group, notified by the alert rules of its workflows.')
type ownerAlertTeam = {
  @description('The team as a resource-name part.')
  key: string

  @description('owner.team as the definitions spell it.')
  team: string

  @description('The action group\'s short name, at most 12 characters.')
  @maxLength(12)
  shortName: string

  @description('owner.contact addresses: one email receiver each.')
  emails: string[]

  @description('owner.alerts channels: one webhook receiver each whose URL the deployment is given (ownerAlertWebhookUrls).')
  channels: string[]

  workflows: ownerAlertWorkflow[]
}

@description('A workflow whose failure-rate, definition-of-done and approval-timeout rules notify its owner.')
type ownerAlertWorkflow = {
  name: string

  @description('The pass-rate threshold the definition declares; absent, the deployment\'s default applies.')
  doneRateAlert: {
    @minValue(1)
    @maxValue(100)
    belowPercent: int

    @minValue(1)
    @maxValue(168)
    windowHours: int

    @minValue(1)
    minRuns: int
  }?
}
