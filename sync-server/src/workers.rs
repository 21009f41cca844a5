//! Bounded pools of threads for the work that costs much CPU or memory per
//! call: checking a password (argon2 takes 19 MiB and tens of milliseconds)
//! and decoding a photo. A pool has a fixed number of threads and a short
//! queue; a job that finds the queue full is refused at once with
//! [`AppError::Busy`] (503, `Retry-After`), so a flood of sign-ins or
//! uploads costs at most `threads` jobs' memory and never takes a store lock
//! or a thread of the async runtime.

use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send + 'static>;

pub struct Pool {
    name: &'static str,
    jobs: SyncSender<Job>,
}

impl Pool {
    /// `threads` threads named `name`, with room for `queue` waiting jobs.
    pub fn new(name: &'static str, threads: usize, queue: usize) -> Pool {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })
                .expect("a worker thread starts");
        }
        Pool { name, jobs: tx }
    }

    /// Runs `f` on the pool and waits for its answer without holding a
    /// thread of the async runtime; refused with 503 when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(AppError::Busy(format!(
                    "the server is busy ({}): too many requests of this kind at once; try again in a second",
                    self.name
                )))
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::Internal(format!("{} pool stopped", self.name)))
            }
        }
        match rx.await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(AppError::Internal(format!("a {} job panicked", self.name))),
            Err(_) => Err(AppError::Internal(format!("{} pool dropped a job", self.name))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_the_pool_keeps_working() {
        let pool = std::sync::Arc::new(Pool::new("test", 1, 1));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Mutex::new(wait);
        // One job runs (blocked), one waits in the queue: the third is refused.
        let p = pool.clone();
        let running = tokio::spawn(async move {
            p.run(move || {
                wait.lock().unwrap().recv().unwrap();
                Ok(1)
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let p = pool.clone();
        let queued = tokio::spawn(async move { p.run(|| Ok(2)).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let refused = pool.run(|| Ok(3)).await;
        assert!(matches!(refused, Err(AppError::Busy(_))), "{refused:?}");
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap().unwrap(), 1);
        assert_eq!(queued.await.unwrap().unwrap(), 2);
        assert_eq!(pool.run(|| Ok(4)).await.unwrap(), 4);
    }
}
