<?php
// PHP's own ways to the network, for tests/integration/test_php.c. PHP 8.2 loads the curl and
// sockets extensions with RTLD_DEEPBIND.
//   php php_client.php returntransfer URL     curl_exec with CURLOPT_RETURNTRANSFER
//   php php_client.php file URL PATH          curl_exec with CURLOPT_FILE (body written to PATH)
//   php php_client.php post URL SIZE          a POST of SIZE bytes (CURLOPT_POSTFIELDS)
//   php php_client.php socket PORT            socket_connect(): a blocking connect()
//   php php_client.php fsockopen PORT         fsockopen(): PHP connects non-blocking, then polls
//   php php_client.php ffi LIBRARY URL        libcurl through PHP FFI (dlopen and dlsym from
//                                             inside ffi.so's group); the body goes to stdout
//   php php_client.php composer URL...        curl_multi_exec, curl_multi_select (5 s) and
//                                             curl_multi_info_read in one loop, as Composer's
//                                             downloader does
//   php php_client.php guzzle URL...          Guzzle's tick: exec, read what finished, select
//                                             (1 s) only while transfers are active
// Prints "status=N body=TEXT" (curl; multi modes: one line per URL, in URL order, after the
// loop) or "connected read=TEXT" / "failed errno=N".

function report_curl($handle, $body)
{
    $status = curl_getinfo($handle, CURLINFO_RESPONSE_CODE);
    echo "status=$status body=$body\n";
}

$mode = $argv[1];
if ($mode === 'returntransfer' || $mode === 'post') {
    $handle = curl_init($argv[2]);
    curl_setopt($handle, CURLOPT_RETURNTRANSFER, true);
    if ($mode === 'post') {
        $size = (int)$argv[3];
        $data = '';
        for ($i = 0; $i < $size; $i++) {
            $data .= chr(($i * 31 + 7) % 251);
        }
        curl_setopt($handle, CURLOPT_POSTFIELDS, $data);
    }
    $body = curl_exec($handle);
    report_curl($handle, $body === false ? 'false:' . curl_error($handle) : $body);
} elseif ($mode === 'file') {
    $file = fopen($argv[3], 'w');
    $handle = curl_init($argv[2]);
    curl_setopt($handle, CURLOPT_FILE, $file);
    $ok = curl_exec($handle);
    fclose($file);
    report_curl($handle, $ok ? '(in file)' : 'false:' . curl_error($handle));
} elseif ($mode === 'socket') {
    $socket = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
    if (@socket_connect($socket, '127.0.0.1', (int)$argv[2])) {
        echo 'connected read=' . socket_read($socket, 64);
    } else {
        echo 'failed errno=' . socket_last_error($socket) . "\n";
    }
} elseif ($mode === 'ffi') {
    $curl = FFI::cdef('void *curl_easy_init(void);
        int curl_easy_setopt(void *handle, int option, ...);
        int curl_easy_perform(void *handle);
        int curl_easy_getinfo(void *handle, int info, ...);
        void curl_easy_cleanup(void *handle);', $argv[2]);
    $handle = $curl->curl_easy_init();
    $curl->curl_easy_setopt($handle, 10002, $argv[3]);
    $code = $curl->curl_easy_perform($handle);
    $status = FFI::new('long');
    $curl->curl_easy_getinfo($handle, 0x200002, FFI::addr($status));
    $curl->curl_easy_cleanup($handle);
    echo "\nrc=$code status=" . $status->cdata . "\n";
} elseif ($mode === 'fsockopen') {
    $stream = @fsockopen('127.0.0.1', (int)$argv[2], $errno, $errstr, 5);
    if ($stream) {
        echo 'connected read=' . fgets($stream);
    } else {
        echo "failed errno=$errno\n";
    }
} elseif ($mode === 'composer' || $mode === 'guzzle') {
    $multi = curl_multi_init();
    $handles = [];
    foreach (array_slice($argv, 2) as $url) {
        $handle = curl_init($url);
        curl_setopt($handle, CURLOPT_RETURNTRANSFER, true);
        curl_multi_add_handle($multi, $handle);
        $handles[] = $handle;
    }
    $done = 0;
    $active = 0;
    do {
        $status = curl_multi_exec($multi, $active);
        while ($message = curl_multi_info_read($multi)) {
            $done++;
            curl_multi_remove_handle($multi, $message['handle']);
        }
        if ($mode === 'composer') {
            curl_multi_select($multi, 5.0);
        } elseif ($active) {
            curl_multi_select($multi, 1.0);
        }
    } while ($active && $status === CURLM_OK);
    foreach ($handles as $handle) {
        report_curl($handle, curl_multi_getcontent($handle));
    }
    echo "completions=$done\n";
}
