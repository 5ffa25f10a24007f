// Azure Monitor alerts for the workflows' owners, from infra/owner-alerts.json (generated from workflows/*.json by
// the app's `alerts` command): per owner team an action group (its contacts by email, its alert channels by webhook),
// and per workflow three log search alerts over Application Insights, on the metrics the app emits (meter
// StreamCanvas, docs/observability.md): failure rate, definition-of-done pass rate, approval timeouts.

import { ownerAlertTeam } from '../types.bicep'

@description('Short name the resource names are built from.')
param name string

param location string
param tags { *: string }

@description('The Application Insights resource the app exports its metrics to; the rules query it.')
param appInsightsName string

@description('The owner teams and their workflows (infra/owner-alerts.json).')
param owners ownerAlertTeam[]

@description('Alert channel (owner.alerts) to its incoming-webhook URL; a channel without one gets no webhook receiver.')
@secure()
param webhookUrls { *: string }

@description('Alert when more than this percentage of a workflow\'s finished runs failed within failureRateWindow.')
@minValue(1)
@maxValue(100)
param failureRatePercent int

@description('The window the failure rate is computed over (ISO 8601).')
@allowed(['PT30M', 'PT1H', 'PT6H', 'PT24H'])
param failureRateWindow string

@description('Definition-of-done pass rate (percent) to alert below, for workflows whose definition declares none.')
@minValue(1)
@maxValue(100)
param doneRateBelowPercent int

@description('Hours the pass rate is computed over, for workflows whose definition declares none.')
@minValue(1)
@maxValue(48)
param doneRateWindowHours int

@description('Fewer finished runs than this in a window say too little to alert on (rates only).')
@minValue(1)
param minRuns int

// Azure Monitor queries a log search alert over at most two days.
var longestQueryHours = 48

// One entry per workflow, with the index of its owner's action group.
var workflows = flatten(map(range(0, length(owners)), i => map(owners[i].workflows, w => {
  name: w.name
  owner: i
  doneRateBelowPercent: w.?doneRateAlert.?belowPercent ?? doneRateBelowPercent
  doneRateWindowHours: min(w.?doneRateAlert.?windowHours ?? doneRateWindowHours, longestQueryHours)
  doneRateMinRuns: w.?doneRateAlert.?minRuns ?? minRuns
})))

// The queries read the customMetrics table of Application Insights, as infra/workbook.json does; {0} is the workflow.
var failureRateQuery = '''
let workflow = "{0}";
customMetrics
| where name in ("streamcanvas.runs.completed", "streamcanvas.runs.failed")
| where tostring(customDimensions["streamcanvas.workflow"]) == workflow
| summarize failed = sumif(valueSum, name == "streamcanvas.runs.failed"), finished = sum(valueSum)
| where finished >= {1}
| project workflow, failed, finished, failureRatePercent = round(100.0 * failed / finished, 1)
'''

var doneRateQuery = '''
let workflow = "{0}";
customMetrics
| where name == "streamcanvas.runs.completed"
| where tostring(customDimensions["streamcanvas.workflow"]) == workflow
| extend outcome = tostring(customDimensions["streamcanvas.outcome"])
| summarize passed = sumif(valueSum, outcome == "succeeded"), finished = sumif(valueSum, outcome in ("succeeded", "failed-criteria"))
| where finished >= {1}
| project workflow, passed, finished, passRatePercent = round(100.0 * passed / finished, 1)
'''

var approvalTimeoutsQuery = '''
let workflow = "{0}";
customMetrics
| where name == "streamcanvas.approval.timeouts"
| where tostring(customDimensions["streamcanvas.workflow"]) == workflow
| summarize timeouts = sum(valueSum) by gate = tostring(customDimensions["streamcanvas.approval.gate"]), level = tostring(customDimensions["streamcanvas.approval.level"]), action = tostring(customDimensions["streamcanvas.outcome"])
'''

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource actionGroups 'Microsoft.Insights/actionGroups@2023-01-01' = [
  for owner in owners: {
    name: 'ag-${name}-${owner.key}'
    location: 'global'
    tags: tags
    properties: {
      groupShortName: owner.shortName
      enabled: true
      emailReceivers: map(owner.emails, email => {
        name: 'email-${indexOf(owner.emails, email)}'
        emailAddress: email
        useCommonAlertSchema: true
      })
      webhookReceivers: map(filter(owner.channels, channel => contains(webhookUrls, channel)), channel => {
        name: 'webhook-${channel}'
        serviceUri: webhookUrls[channel]
        useCommonAlertSchema: true
      })
    }
  }
]

resource failureRate 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for w in workflows: {
    name: 'alert-${name}-${w.name}-failure-rate'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: '${w.name}: failure rate above ${failureRatePercent} %'
      description: 'More than ${failureRatePercent} % of the finished runs of ${w.name} failed in the last ${failureRateWindow} (streamcanvas.runs.failed over runs completed and failed; the failing step and reason class are in the workbook).'
      severity: 2
      enabled: true
      scopes: [appInsights.id]
      evaluationFrequency: 'PT15M'
      windowSize: failureRateWindow
      criteria: {
        allOf: [
          {
            query: format(failureRateQuery, w.name, minRuns)
            timeAggregation: 'Maximum'
            metricMeasureColumn: 'failureRatePercent'
            operator: 'GreaterThan'
            threshold: failureRatePercent
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [actionGroups[w.owner].id]
      }
    }
  }
]

resource doneRate 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for w in workflows: {
    name: 'alert-${name}-${w.name}-done-rate'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: '${w.name}: definition-of-done pass rate below ${w.doneRateBelowPercent} %'
      description: 'Fewer than ${w.doneRateBelowPercent} % of the runs of ${w.name} that reached the end in the last ${w.doneRateWindowHours} h met the definition of done (streamcanvas.runs.completed, outcome succeeded over succeeded and failed-criteria).'
      severity: 3
      enabled: true
      scopes: [appInsights.id]
      evaluationFrequency: 'PT1H'
      windowSize: 'PT1H'
      overrideQueryTimeRange: 'PT${w.doneRateWindowHours}H'
      criteria: {
        allOf: [
          {
            query: format(doneRateQuery, w.name, w.doneRateMinRuns)
            timeAggregation: 'Minimum'
            metricMeasureColumn: 'passRatePercent'
            operator: 'LessThan'
            threshold: w.doneRateBelowPercent
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [actionGroups[w.owner].id]
      }
    }
  }
]

resource approvalTimeouts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for w in workflows: {
    name: 'alert-${name}-${w.name}-approval-timeouts'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: '${w.name}: approval timed out'
      description: 'An approval gate of ${w.name} ran out its last escalation level with no decision (streamcanvas.approval.timeouts, by gate, level and the onTimeout action applied).'
      severity: 2
      enabled: true
      scopes: [appInsights.id]
      evaluationFrequency: 'PT15M'
      windowSize: 'PT15M'
      criteria: {
        allOf: [
          {
            query: format(approvalTimeoutsQuery, w.name)
            timeAggregation: 'Total'
            metricMeasureColumn: 'timeouts'
            operator: 'GreaterThan'
            threshold: 0
            dimensions: [
              {
                name: 'gate'
                operator: 'Include'
                values: ['*']
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      // Each timeout is an event of its own: a later one notifies again.
      autoMitigate: false
      actions: {
        actionGroups: [actionGroups[w.owner].id]
      }
    }
  }
]
