/* The file is private to its user and checked before it is trusted: opened without following
   a symlink, a regular file owned by the effective user with no group or other permission
   bits, of exactly the expected size (checked before the map is touched, as a short file
   would give SIGBUS), with the right magic and version. */
#include "coordinate/shared_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool private_directory(const char *dir, uid_t uid)
{
    struct stat info;
    return dir && dir[0] == '/' && stat(dir, &info) == 0 && S_ISDIR(info.st_mode) &&
           info.st_uid == uid && (info.st_mode & 077) == 0;
}

bool coord_state_path(const char *xdg_runtime_dir, uid_t uid, char *out, size_t size)
{
    int written;
    if(private_directory(xdg_runtime_dir, uid)) {
        written = snprintf(out, size, "%s/tryagain-coordinate.v1", xdg_runtime_dir);
    }
    else {
        struct stat info;
        if(stat("/dev/shm", &info) != 0 || !S_ISDIR(info.st_mode))
            return false;
        written = snprintf(out, size, "/dev/shm/tryagain-%u-coordinate.v1", (unsigned)uid);
    }
    return written > 0 && (size_t)written < size;
}

static bool ours(const struct stat *info)
{
    return S_ISREG(info->st_mode) && info->st_uid == geteuid() && (info->st_mode & 077) == 0;
}

static uint64_t monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

static bool header_valid(const struct coord_header *header)
{
    return atomic_load_explicit(&header->magic, memory_order_acquire) == COORD_MAGIC &&
           header->version == COORD_VERSION && header->header_size == sizeof(*header) &&
           header->host_size == sizeof(struct coord_host) && header->host_count == COORD_HOSTS &&
           header->file_size == COORD_FILE_SIZE;
}

/* Under the exclusive lock: an empty file gets its size and header; a file whose maker died
   before writing the magic (size right, magic 0) is made again. */
static enum coord_open_result initialise(int fd)
{
    struct stat info;
    if(fstat(fd, &info) != 0)
        return COORD_FAILED;
    if(info.st_size != 0 && (size_t)info.st_size != COORD_FILE_SIZE)
        return COORD_DAMAGED;
    if(info.st_size == 0 && ftruncate(fd, (off_t)COORD_FILE_SIZE) != 0)
        return COORD_FAILED;
    struct coord_file *file =
        mmap(NULL, COORD_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if(file == MAP_FAILED)
        return COORD_FAILED;
    enum coord_open_result result = COORD_OPENED;
    uint64_t magic = atomic_load(&file->header.magic);
    if(magic == 0) {
        memset(file, 0, COORD_FILE_SIZE);
        file->header.version = COORD_VERSION;
        file->header.header_size = sizeof(file->header);
        file->header.host_size = sizeof(struct coord_host);
        file->header.host_count = COORD_HOSTS;
        file->header.file_size = COORD_FILE_SIZE;
        file->header.created_us = monotonic_us();
        atomic_store_explicit(&file->header.magic, COORD_MAGIC, memory_order_release);
    }
    else if(!header_valid(&file->header)) {
        result = COORD_DAMAGED;
    }
    munmap(file, COORD_FILE_SIZE);
    return result;
}

enum coord_open_result coord_file_open(const char *path, bool create, bool writable,
                                       struct coord_file **out)
{
    int flags = (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    int fd = open(path, flags | (create && writable ? O_CREAT : 0), 0600);
    if(fd < 0)
        return errno == ENOENT                                       ? COORD_ABSENT
               : errno == ELOOP || errno == EACCES || errno == EPERM ? COORD_FOREIGN
                                                                     : COORD_FAILED;
    enum coord_open_result result = COORD_OPENED;
    struct stat info;
    if(fstat(fd, &info) != 0) {
        result = COORD_FAILED;
        goto done;
    }
    if(!ours(&info)) {
        result = COORD_FOREIGN;
        goto done;
    }
    if((size_t)info.st_size != COORD_FILE_SIZE) {
        if(info.st_size != 0) {
            result = COORD_DAMAGED;
            goto done;
        }
        if(!writable) {
            result = COORD_ABSENT; /* being made */
            goto done;
        }
    }
    if(writable && info.st_size == 0) {
        if(flock(fd, LOCK_EX) != 0) {
            result = COORD_FAILED;
            goto done;
        }
        result = initialise(fd);
        flock(fd, LOCK_UN);
        if(result != COORD_OPENED)
            goto done;
    }
    struct coord_file *file = mmap(
        NULL, COORD_FILE_SIZE, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
    if(file == MAP_FAILED) {
        result = COORD_FAILED;
        goto done;
    }
    if(!header_valid(&file->header) && writable &&
       atomic_load_explicit(&file->header.magic, memory_order_acquire) == 0) {
        /* Its maker may be initialising it right now, or may have died doing so. */
        if(flock(fd, LOCK_EX) == 0) {
            initialise(fd);
            flock(fd, LOCK_UN);
        }
    }
    if(!header_valid(&file->header)) {
        munmap(file, COORD_FILE_SIZE);
        result = COORD_DAMAGED;
        goto done;
    }
    *out = file;
done:
    close(fd);
    return result;
}

void coord_file_close(struct coord_file *file)
{
    if(file)
        munmap(file, COORD_FILE_SIZE);
}

const char *coord_open_result_text(enum coord_open_result result)
{
    switch(result) {
    case COORD_OPENED:
        return "in use";
    case COORD_ABSENT:
        return "not made yet (no host has throttled)";
    case COORD_FOREIGN:
        return "not a private file of this user (a symlink, another owner, or readable by others)";
    case COORD_DAMAGED:
        return "damaged or of another version";
    case COORD_FAILED:
        return "unusable (a system call on it failed)";
    }
    return "?";
}
