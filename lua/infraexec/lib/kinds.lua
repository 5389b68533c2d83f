-- lib/kinds.lua - the API names of the Flux kinds infraexec reads, as
-- `kubectl get` takes them: observe/kube.lua gives them as
-- kube.HELMRELEASES and kube.KUSTOMIZATIONS; readers.lua maps the words a
-- criterion uses to them from here, so it loads without kube.
return {
  HELMRELEASES = "helmreleases.helm.toolkit.fluxcd.io",
  KUSTOMIZATIONS = "kustomizations.kustomize.toolkit.fluxcd.io",
}
