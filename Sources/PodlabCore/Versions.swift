/// The version podlab's CLI follows, and podlab's own (in PodlabCore: the tutor writes it into every report a
/// learner submits, and the class server compares it). scripts/make-deb.sh reads the package version from `podlab`.
public enum Versions {
    public static let podmanCompatible = "4.3.1"
    public static let podlab = "0.1.0"
    /// What `podman --version` prints: podman's words (so the tutorial's line matches), then what really answered.
    public static let podmanLine = "podman version \(podmanCompatible) (podlab \(podlab))"
}
