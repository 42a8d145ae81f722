"""Support for testing Pulumi programs that use pulumi-quantum: throwaway projects on the real
engine (:mod:`.engine`). Used by the project's own engine tests and benchmarks; nothing here is
imported by the resources, the plugin or the local cloud."""
