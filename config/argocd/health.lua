-- Argo CD health check for CategoryApplication (qualification.channelshop.dev).
-- Install it under resource.customizations.health.qualification.channelshop.dev_CategoryApplication
-- in argocd-cm (see config/argocd/README.md). It agrees with kstatus (what Flux uses) and with the
-- README's health table; the tests check all three on the objects the operator produces.
--   Progressing: not processed yet, or a reconcile failed and is retried (Reconciling=True)
--   Degraded:    needs someone to act (Stalled=True: requirements not met, rejected, withdrawn,
--                duplicate, listing expired or not ours)
--   Healthy:     approved and listed (Ready=True)
--   Suspended:   waiting for a reviewer (UnderReview=True): kstatus Current, nothing left to sync
local hs = {status = "Progressing", message = "Waiting for the operator"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.status.observedGeneration == nil or obj.status.observedGeneration ~= obj.metadata.generation then
  hs.message = "The operator has not processed this generation yet"
  return hs
end
local byType = {}
for _, c in ipairs(obj.status.conditions) do
  byType[c.type] = c
end
local function isTrue(t)
  return byType[t] ~= nil and byType[t].status == "True"
end
if isTrue("Reconciling") then
  hs.message = byType["Reconciling"].message
  return hs
end
if isTrue("Stalled") then
  hs.status = "Degraded"
  hs.message = byType["Stalled"].message
  return hs
end
if isTrue("Ready") then
  hs.status = "Healthy"
  hs.message = byType["Ready"].message
  return hs
end
if isTrue("UnderReview") then
  hs.status = "Suspended"
  hs.message = byType["UnderReview"].message
  return hs
end
if byType["Ready"] ~= nil then
  hs.message = byType["Ready"].message
end
return hs
