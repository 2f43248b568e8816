internal import CYAML

/// The version of the libyaml this build is linked with, as libyaml reports it (`0.2.5`): the
/// distribution's library, so it changes with the distribution's updates, not with edpctl's.
package var libyamlVersion: String {
    String(cString: yaml_get_version_string())
}
