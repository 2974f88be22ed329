import CArchive

/// What one archive entry is, copied out of libarchive so it outlives the next header.
public struct ArchiveEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo, socket
    }

    public var path: String
    public var kind: Kind
    /// Permission bits including setuid/setgid/sticky.
    public var permissions: UInt32
    public var uid: Int64
    public var gid: Int64
    public var modificationTime: Int64
    public var modificationNanoseconds: Int
    public var size: Int64
    /// For symlinks: the target as stored. For hardlinks: the archive path of the linked file.
    public var linkTarget: String?
    public var deviceMajor: UInt32
    public var deviceMinor: UInt32
    public var extendedAttributes: [String: [UInt8]]

    public init(path: String, kind: Kind, permissions: UInt32 = 0o644, uid: Int64 = 0, gid: Int64 = 0,
                modificationTime: Int64 = 0, size: Int64 = 0, linkTarget: String? = nil) {
        self.path = path
        self.kind = kind
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
        self.modificationNanoseconds = 0
        self.size = size
        self.linkTarget = linkTarget
        self.deviceMajor = 0
        self.deviceMinor = 0
        self.extendedAttributes = [:]
    }

    init(copying entry: OpaquePointer) {
        path = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
        let hardlink = archive_entry_hardlink(entry).map { String(cString: $0) }
        let type = UInt32(archive_entry_filetype(entry))
        if hardlink != nil {
            kind = .hardlink
        } else {
            switch type {
            case podlab_AE_IFDIR: kind = .directory
            case podlab_AE_IFLNK: kind = .symlink
            case podlab_AE_IFCHR: kind = .characterDevice
            case podlab_AE_IFBLK: kind = .blockDevice
            case podlab_AE_IFIFO: kind = .fifo
            case podlab_AE_IFSOCK: kind = .socket
            default: kind = .regular
            }
        }
        permissions = UInt32(archive_entry_perm(entry)) & 0o7777
        uid = archive_entry_uid(entry)
        gid = archive_entry_gid(entry)
        modificationTime = Int64(archive_entry_mtime(entry))
        modificationNanoseconds = Int(archive_entry_mtime_nsec(entry))
        size = archive_entry_size(entry)
        linkTarget = hardlink ?? (kind == .symlink ? archive_entry_symlink(entry).map { String(cString: $0) } : nil)
        deviceMajor = UInt32(archive_entry_rdevmajor(entry))
        deviceMinor = UInt32(archive_entry_rdevminor(entry))
        var attributes: [String: [UInt8]] = [:]
        if archive_entry_xattr_reset(entry) > 0 {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var length = 0
            while archive_entry_xattr_next(entry, &name, &value, &length) == ARCHIVE_OK {
                guard let name else { continue }
                let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
                attributes[String(cString: name)] = bytes
            }
        }
        extendedAttributes = attributes
    }

    /// Fills a libarchive entry for writing.
    func fill(_ entry: OpaquePointer) {
        archive_entry_set_pathname(entry, path)
        archive_entry_set_perm(entry, mode_t(permissions))
        archive_entry_set_uid(entry, uid)
        archive_entry_set_gid(entry, gid)
        archive_entry_set_mtime(entry, time_t(modificationTime), modificationNanoseconds)
        switch kind {
        case .regular: archive_entry_set_filetype(entry, podlab_AE_IFREG); archive_entry_set_size(entry, size)
        case .directory: archive_entry_set_filetype(entry, podlab_AE_IFDIR); archive_entry_set_size(entry, 0)
        case .symlink:
            archive_entry_set_filetype(entry, podlab_AE_IFLNK)
            archive_entry_set_symlink(entry, linkTarget ?? "")
            archive_entry_set_size(entry, 0)
        case .hardlink:
            archive_entry_set_filetype(entry, podlab_AE_IFREG)
            archive_entry_set_hardlink(entry, linkTarget ?? "")
            archive_entry_set_size(entry, 0)
        case .characterDevice, .blockDevice:
            archive_entry_set_filetype(entry, kind == .characterDevice ? podlab_AE_IFCHR : podlab_AE_IFBLK)
            archive_entry_set_rdevmajor(entry, dev_t(deviceMajor))
            archive_entry_set_rdevminor(entry, dev_t(deviceMinor))
            archive_entry_set_size(entry, 0)
        case .fifo: archive_entry_set_filetype(entry, podlab_AE_IFIFO); archive_entry_set_size(entry, 0)
        case .socket: archive_entry_set_filetype(entry, podlab_AE_IFSOCK); archive_entry_set_size(entry, 0)
        }
        for (name, value) in extendedAttributes.sorted(by: { $0.key < $1.key }) {
            value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, name, $0.baseAddress, $0.count) }
        }
    }
}
