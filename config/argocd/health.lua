-- Argo CD health check for CategoryApplication (qualification.channelshop.dev).
-- Install it under resource.customizations.health.qualification.channelshop.dev_CategoryApplication
-- in argocd-cm (see config/argocd/README.md).
--   Healthy:     approved and listed (Ready=True)
--   Progressing: not processed yet, or waiting for a reviewer (UnderReview=True)
--   Degraded:    needs someone to act (Stalled=True: requirements not met, rejected, withdrawn, duplicate)
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
if byType["Stalled"] ~= nil and byType["Stalled"].status == "True" then
  hs.status = "Degraded"
  hs.message = byType["Stalled"].message
  return hs
end
if byType["Ready"] ~= nil and byType["Ready"].status == "True" then
  hs.status = "Healthy"
  hs.message = byType["Ready"].message
  return hs
end
if byType["Ready"] ~= nil then
  hs.message = byType["Ready"].message
end
return hs
