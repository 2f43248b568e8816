import Foundation
import TestSupport

/// A bare repository `<folder>/<name>.git` on `main` with one commit holding README.md.
@discardableResult
func makeBareRepository(_ name: String, in folder: String) throws -> String {
    try TestSupport.makeBareRepository(name, in: folder, files: ["README.md": "# instances\n"])
}
